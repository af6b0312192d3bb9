"""Merges: semantic + instances -> COCO panoptic (:mod:`.panoptic`), panoptic + parts -> PPS (:mod:`.pps`);
:mod:`.runs` holds the run-length helpers both use. Pure kernels plus their file drivers; semantics in docs/."""
