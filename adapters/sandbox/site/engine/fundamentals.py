"""``query(valuation.…).filter(…).order_by(…).limit(n)`` over the synthetic valuation table.

The expressions mimic the SQLAlchemy ones JoinQuant strategies write: columns
compare (``<``, ``>=``, ``==`` …), combine with ``&``/``|``/``~``, do arithmetic,
and have ``in_``, ``notin_``, ``between``, ``like``, ``isnot``, ``desc()``/``asc()``.
They are evaluated on a pandas DataFrame of the valuation rows of one day.

Only the ``valuation`` table exists.  Its values are SYNTHETIC, derived from the
synthetic close and fixed per-stock share counts, earnings and book values:
``market_cap``/``circulating_market_cap`` in 亿元, ``capitalization``/
``circulating_cap`` in 万股, ``pe_ratio`` (negative for loss makers),
``pb_ratio``, ``turnover_ratio`` in percent.  Other tables (``indicator``,
``income``, ``balance`` …) fail with a "not emulated" error when used.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Tuple

from jqcli.adapters.sandbox.site.engine.errors import not_emulated

VALUATION_COLUMNS = (
    "code",
    "day",
    "capitalization",
    "circulating_cap",
    "market_cap",
    "circulating_market_cap",
    "pe_ratio",
    "pb_ratio",
    "turnover_ratio",
)


class Expr:
    def __init__(self, fn: Callable[[Any], Any], label: str) -> None:
        self.fn, self.label = fn, label

    def eval(self, frame: Any) -> Any:
        return self.fn(frame)

    def _bin(self, other: Any, op: Callable[[Any, Any], Any], sym: str) -> Expr:
        right = other if isinstance(other, Expr) else None
        return Expr(lambda f: op(self.eval(f), right.eval(f) if right else other), f"({self.label} {sym} {other!r})")

    def __lt__(self, o: Any) -> Expr:
        return self._bin(o, lambda a, b: a < b, "<")

    def __le__(self, o: Any) -> Expr:
        return self._bin(o, lambda a, b: a <= b, "<=")

    def __gt__(self, o: Any) -> Expr:
        return self._bin(o, lambda a, b: a > b, ">")

    def __ge__(self, o: Any) -> Expr:
        return self._bin(o, lambda a, b: a >= b, ">=")

    # ``valuation.x == 1`` builds a filter, as in JoinQuant's query DSL: object's ``-> bool`` signature
    # forces these two ignores (the language's, not a library's).
    def __eq__(self, o: Any) -> Expr:  # type: ignore[override]
        return self._bin(o, lambda a, b: a == b, "==")

    def __ne__(self, o: Any) -> Expr:  # type: ignore[override]
        return self._bin(o, lambda a, b: a != b, "!=")

    def __add__(self, o: Any) -> Expr:
        return self._bin(o, lambda a, b: a + b, "+")

    def __sub__(self, o: Any) -> Expr:
        return self._bin(o, lambda a, b: a - b, "-")

    def __mul__(self, o: Any) -> Expr:
        return self._bin(o, lambda a, b: a * b, "*")

    def __truediv__(self, o: Any) -> Expr:
        return self._bin(o, lambda a, b: a / b, "/")

    def __radd__(self, o: Any) -> Expr:
        return Expr(lambda f: o + self.eval(f), f"({o!r} + {self.label})")

    def __rmul__(self, o: Any) -> Expr:
        return Expr(lambda f: o * self.eval(f), f"({o!r} * {self.label})")

    def __rsub__(self, o: Any) -> Expr:
        return Expr(lambda f: o - self.eval(f), f"({o!r} - {self.label})")

    def __rtruediv__(self, o: Any) -> Expr:
        return Expr(lambda f: o / self.eval(f), f"({o!r} / {self.label})")

    def __neg__(self) -> Expr:
        return Expr(lambda f: -self.eval(f), f"-{self.label}")

    def __and__(self, o: Expr) -> Expr:
        return Expr(lambda f: self.eval(f) & o.eval(f), f"({self.label} AND {o.label})")

    def __or__(self, o: Expr) -> Expr:
        return Expr(lambda f: self.eval(f) | o.eval(f), f"({self.label} OR {o.label})")

    def __invert__(self) -> Expr:
        return Expr(lambda f: ~self.eval(f), f"NOT {self.label}")

    __hash__ = object.__hash__

    def in_(self, values: Any) -> Expr:
        vals = list(values)
        return Expr(lambda f: self.eval(f).isin(vals), f"{self.label} IN (...)")

    def notin_(self, values: Any) -> Expr:
        vals = list(values)
        return Expr(lambda f: ~self.eval(f).isin(vals), f"{self.label} NOT IN (...)")

    def between(self, low: Any, high: Any) -> Expr:
        return Expr(lambda f: (self.eval(f) >= low) & (self.eval(f) <= high), f"{self.label} BETWEEN")

    def like(self, pattern: str) -> Expr:
        import re

        rx = "^" + re.escape(pattern).replace("%", ".*").replace("_", ".") + "$"
        return Expr(lambda f: self.eval(f).astype(str).str.match(rx), f"{self.label} LIKE {pattern!r}")

    def startswith(self, prefix: str) -> Expr:
        return Expr(lambda f: self.eval(f).astype(str).str.startswith(prefix), f"{self.label} LIKE {prefix!r}%")

    def isnot(self, _none: None = None) -> Expr:
        return Expr(lambda f: self.eval(f).notna(), f"{self.label} IS NOT NULL")

    def is_(self, _none: None = None) -> Expr:
        return Expr(lambda f: self.eval(f).isna(), f"{self.label} IS NULL")

    def desc(self) -> Ordering:
        return Ordering(self, False)

    def asc(self) -> Ordering:
        return Ordering(self, True)


class Column(Expr):
    def __init__(self, table: str, name: str) -> None:
        super().__init__(lambda f: f[name], f"{table}.{name}")
        self.name = name


class Ordering:
    def __init__(self, expr: Expr, ascending: bool) -> None:
        self.expr, self.ascending = expr, ascending


def desc(expr: Expr) -> Ordering:
    return expr.desc()


def asc(expr: Expr) -> Ordering:
    return expr.asc()


class Table:
    def __init__(self, name: str, columns: Optional[Tuple[Any, ...]]) -> None:
        self._name, self._columns = name, columns

    def __getattr__(self, attr: str) -> Column:
        if attr.startswith("__"):
            raise AttributeError(attr)
        if self._columns is None:
            raise not_emulated(f"财务数据表 {self._name}（只模拟 valuation 表）")
        if attr not in self._columns:
            raise not_emulated(f"字段 {self._name}.{attr}（valuation 表只模拟 {', '.join(self._columns)}）")
        return Column(self._name, attr)

    def __repr__(self) -> str:
        return f"<table {self._name}>"


valuation = Table("valuation", VALUATION_COLUMNS)
UNSUPPORTED_TABLES = (
    "indicator",
    "income",
    "balance",
    "cash_flow",
    "bank_indicator",
    "security_indicator",
    "insurance_indicator",
)


class Query:
    def __init__(self, entities: Tuple[Any, ...]) -> None:
        self.entities = entities
        self.filters: List[Expr] = []
        self.orderings: List[Any] = []
        self.limit_n: Optional[int] = None
        self.offset_n = 0
        for e in entities:
            if isinstance(e, Table) and e._columns is None:
                raise not_emulated(f"财务数据表 {e._name}（只模拟 valuation 表）")
            if not isinstance(e, (Table, Expr)):
                raise TypeError(f"query() 的参数必须是表或字段，而不是 {e!r}")

    def _copy(self) -> Query:
        q = Query(self.entities)
        q.filters, q.orderings = list(self.filters), list(self.orderings)
        q.limit_n, q.offset_n = self.limit_n, self.offset_n
        return q

    def filter(self, *conditions: Expr) -> Query:
        q = self._copy()
        q.filters.extend(conditions)
        return q

    def order_by(self, *orderings: Any) -> Query:
        q = self._copy()
        q.orderings.extend(o for o in orderings if o is not None)
        return q

    def limit(self, n: int) -> Query:
        q = self._copy()
        q.limit_n = int(n)
        return q

    def offset(self, n: int) -> Query:
        q = self._copy()
        q.offset_n = int(n)
        return q

    def run(self, frame: Any) -> Any:
        """Apply the query to ``frame`` (all valuation rows of one day) and return the selected columns."""
        import numpy as np
        import pandas as pd

        if self.filters:
            mask: Any = np.ones(len(frame), dtype=bool)
            for cond in self.filters:
                got = cond.eval(frame)
                mask &= np.asarray(got.fillna(False) if hasattr(got, "fillna") else got, dtype=bool)
            frame = frame[mask]
        if self.orderings:
            keys = []
            for o in reversed(self.orderings):  # np.lexsort: the last key is the primary one
                ordering = o if isinstance(o, Ordering) else Ordering(o, True)
                values = np.asarray(ordering.expr.eval(frame))
                if values.dtype.kind in "fiub":
                    values = values.astype(float)
                    missing = np.isnan(values)
                    filled = np.where(missing, 0.0, values if ordering.ascending else -values)
                    keys.extend([filled, missing])  # NaN last whatever the direction
                else:
                    codes, uniques = pd.factorize(values, sort=True)
                    ranks = codes if ordering.ascending else len(uniques) - codes
                    keys.extend([ranks, codes < 0])
            frame = frame.iloc[np.lexsort(keys)]
        frame = frame.iloc[self.offset_n :]
        if self.limit_n is not None:
            frame = frame.iloc[: self.limit_n]
        out = {}
        for e in self.entities:
            if isinstance(e, Table):
                for name in VALUATION_COLUMNS:
                    out[name] = frame[name].to_numpy()
            elif isinstance(e, Column):
                out[e.name] = frame[e.name].to_numpy()
            else:
                out[e.label] = np.asarray(e.eval(frame))
        return pd.DataFrame(out, columns=list(out))


def query(*entities: Any) -> Query:
    return Query(entities)
