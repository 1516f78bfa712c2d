"""Charts drawn on the server as SVG: ``svg`` (pure drawing), ``words`` (what a word is),
``data`` (the queries that feed them). Every chart comes with a table of the same numbers."""
