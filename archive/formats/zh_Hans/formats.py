# Counts grouped in threes ("12,345"), as Chinese sites write them; Django's zh_Hans formats leave
# numbers ungrouped. Only where a template asks for grouping (|intcomma): see archive/settings.py.
NUMBER_GROUPING = 3
THOUSAND_SEPARATOR = ","
