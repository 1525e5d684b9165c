# Generated from rubrics/ and data_pipelines/ by scripts/vendor.py: do not edit.
