"""Integer bounds of the database columns, for validating input before it reaches them."""

MAX_INT = 2**31 - 1  # integer columns (fatalities, inter codes, counts) are 32-bit
MAX_ID = 2**63 - 1  # primary keys are 64-bit (BigAutoField)
