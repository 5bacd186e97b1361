"""Your own data: uploaded data sets (zips of class folders, CSVs), checked and stored in the data directory."""
