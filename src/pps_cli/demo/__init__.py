"""The synthetic demo dataset of ``pps demo`` (:mod:`.synth`)."""
