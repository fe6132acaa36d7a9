"""Exports of a release for moderation tools: STIX 2.1, MISP galaxy, CSV, keyword lists.

Every `to_*` function is pure (a PublishedPackage in, bytes out; same input, same bytes);
`export` reads a mirror, renders one format and writes it atomically.
"""

from feed.export.csv import aliases_csv, records_csv, spreadsheet_safe, to_csv
from feed.export.files import ExportFormat, ExportResult, export, render, write_export
from feed.export.keywords import keyword_lists, to_keywords
from feed.export.mirror import load_mirror_package, load_package_file, parse_package
from feed.export.misp import misp_cluster, misp_galaxy, to_misp
from feed.export.stix import stix_bundle, to_stix

__all__ = [
    "ExportFormat",
    "ExportResult",
    "aliases_csv",
    "export",
    "keyword_lists",
    "load_mirror_package",
    "load_package_file",
    "misp_cluster",
    "misp_galaxy",
    "parse_package",
    "records_csv",
    "render",
    "spreadsheet_safe",
    "stix_bundle",
    "to_csv",
    "to_keywords",
    "to_misp",
    "to_stix",
    "write_export",
]
