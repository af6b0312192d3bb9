"""Typer commands: each module declares options, calls one library function, renders the result."""
