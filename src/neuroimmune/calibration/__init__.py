"""Calibration to human data: data sets, PEtab problems, multi-start fits, uncertainty."""
