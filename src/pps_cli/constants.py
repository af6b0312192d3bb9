"""Label values with a fixed meaning, named once (see PPS_REFERENCE.md sections 1, 6 and 7)."""

VOID = 255
"""Void label in predictions: class channel of unassigned pixels, part channel of unlabeled parts."""

NO_INFO = 0
"""Decoded value meaning "no information" (no instance id, no part id)."""

NO_PART = 0
"""Part id of a pixel with no part label."""

PART_FOR_NON_PARTS_CLASS = 1
"""Part channel value written for pixels of classes evaluated without parts."""

MAX_UID = 9_999_999
"""Largest valid ground-truth uid (7 digits: sid * 100000 + iid * 100 + pid)."""

MAX_SID = 99
MAX_IID = 999
MAX_PID = 99

SID_PID_TABLE_SIZE = 100 * 100
"""Size of lookup tables indexed by sid_pid (sid * 100 + pid, both < 100)."""

STUFF_AREA_LIMIT = 1024
CONFIDENCE_THRESHOLD = 0.5
OVERLAP_THRESHOLD = 0.5
