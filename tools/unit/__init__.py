"""`datamesh test`: product unit tests, given rows in, expected rows out."""
