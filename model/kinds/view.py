"""Output kind `view`: a BigQuery view the `views` transformation defines."""

from __future__ import annotations

from typing import Literal

from model.contract import Contract
from model.kinds.base import RowsOutput, SpecChecks, check_tenant_column
from model.spec_types import Column


class ViewOutput(RowsOutput):
    kind: Literal["view"]
    tenant_column: Column | None = None

    def check_contract(self, out: SpecChecks, where: str, contract: Contract) -> None:
        check_tenant_column(out, where, contract, self.tenant_column)
