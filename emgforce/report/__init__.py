"""Reports of analysed sessions.

* :func:`emgforce.report.write.write_report`: ``report.json``, ``tidy.csv``, PNG figures and
  ``report.html`` of a :class:`emgforce.tasks.results.SessionResult` (schema: ``docs/report.md``);
* :mod:`emgforce.report.tables`: the JSON and tidy-CSV writers;
* :mod:`emgforce.report.figures`: the PNG figures (matplotlib, Agg, imported lazily);
* :mod:`emgforce.report.html`: the HTML page;
* :mod:`emgforce.report.summary`: the recording summary of ``emgforce demo`` (stage 1).
"""

__all__ = []
