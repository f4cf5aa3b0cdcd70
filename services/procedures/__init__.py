"""Commune-level administrative procedures: model, national-format importer, shipped catalogue
and question matching."""
