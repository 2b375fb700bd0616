"""The parts of the .xlsx report (``kpiscore.outputs.report_xlsx`` puts them together):

- ``book``: the workbook back end (XlsxWriter, with rows formatted here);
- ``text``: widths of text, sheet and file names;
- ``labels``: every word the report shows, in English and Chinese;
- ``sheets``: the summary, distribution, dimension and error sheets;
- ``card``: one person's printable card.
"""
