"""The PDF stage: print documents assembled from print fragments, rendered with WeasyPrint.

Stages: :mod:`.documents` turns ``manifest.json`` and the per-page fragments into one small HTML
document per PDF (a :class:`~.documents.PrintJob`); :mod:`.render` hashes each job, skips the
unchanged ones, renders the rest in worker processes and writes each PDF atomically;
:mod:`.fetcher` is the URL sandbox every render goes through.  Nothing here imports Sphinx.
"""
