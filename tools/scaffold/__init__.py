"""`datamesh new product`: a product that validates, plans, runs locally and passes its
unit test at once, written from what each chosen kind says it needs."""
