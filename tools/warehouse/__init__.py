"""What the local run, the unit tests, `check` and the catalog share: the embedded
warehouse a mesh runs in (`engine`), the contract checks and tenant reads over it
(`checks`), and the report of a run (`report`)."""
