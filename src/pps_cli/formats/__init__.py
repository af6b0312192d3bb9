"""Input and output formats: GT uids and COCO colours (:mod:`.labels`), instance predictions (:mod:`.instances`),
panoptic predictions (:mod:`.panoptic_json`), category id spaces (:mod:`.idspaces`) and the plausibility checks that
catch inputs in the wrong format or id space (:mod:`.checks`). Described in docs/inputs.md."""
