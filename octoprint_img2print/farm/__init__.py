"""Print farms: batches of jobs (a process pool or a Dask cluster) and jobs sent to many OctoPrint printers."""
