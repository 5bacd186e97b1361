"""Your own data: uploaded data sets (zips of class folders, CSVs), checked and stored in the data
directory (``ingest``, ``store``), and the readers of segmentation mask zips (``masks``) and COCO
detection folders (``coco``), which the uploader does not offer yet."""
