# Money shows in 元 with thousands separators (SPEC: "forms and boards show 元 with thousands
# separators"); `floatformat:"2g"` groups with these.
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
