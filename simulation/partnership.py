"""Partnerships as objects with members: formal (D1) or informal (D2), of kinds K1-K7.

A partnership pools members' contributions into a public good (payoff.member_payoffs), run
under one of Provan & Kenis's (2008) governance modes (C6). Its kind follows from the sectors
of its founders (K1-K6) or from citizen volunteers (K7).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .params import KINDS, Governance, ModelParams, Sector
from .partner_kernels import governance_fits

if TYPE_CHECKING:
    from .agents import Organization

_S = Sector
# Unordered founding sector pair -> kind of partnership (seed concepts K1-K6).
KIND_OF_PAIR: dict[frozenset[Sector], str] = {
    frozenset({_S.NGO, _S.BUSINESS}): "K1",  # NGO - business
    frozenset({_S.GOVERNMENT, _S.COMMUNITY}): "K2",  # government - community
    frozenset({_S.EDUCATION, _S.BUSINESS}): "K3",  # education - industry
    frozenset({_S.GOVERNMENT, _S.NGO}): "K4",  # public - private (non-profit)
    frozenset({_S.GOVERNMENT, _S.BUSINESS}): "K4",  # public - private (business)
    frozenset({_S.GOVERNMENT, _S.EDUCATION}): "K4",  # public - non-profit education
    frozenset({_S.NGO}): "K5",  # inter-organizational: non-profits sharing a mission
    frozenset({_S.NGO, _S.EDUCATION}): "K5",  # education institutions as non-profits
    frozenset({_S.NGO, _S.COMMUNITY}): "K6",  # welfare organization - community organization
    frozenset({_S.COMMUNITY}): "K6",
    frozenset({_S.EDUCATION, _S.COMMUNITY}): "K6",
}
VOLUNTEER_HOSTS = frozenset({_S.NGO, _S.COMMUNITY, _S.EDUCATION})
COMMUNITY_KINDS = frozenset({"K2", "K6", "K7"})


def kind_of(a: Sector, b: Sector) -> str | None:
    """The kind (K1-K6) two founding sectors make, or None if no seed concept covers them."""
    return KIND_OF_PAIR.get(frozenset({a, b}))


GOVERNANCE_MODES = (Governance.SHARED, Governance.LEAD, Governance.NAO)  # column order of fits


def governance_fit(
    size: np.ndarray, mean_trust: np.ndarray, consensus: np.ndarray, params: ModelParams
) -> np.ndarray:
    """How well each governance mode suits each network, after Provan & Kenis (2008).

    Returns (pools x 3) fits in [0, 1], columns in GOVERNANCE_MODES order. Shared governance
    suits few members with high trust and goal consensus; a lead organization tolerates
    lower consensus and moderate size; a network administrative organization (NAO) suits
    many members and only moderate trust, at an extra cost. Provan & Kenis give these
    contingencies in words; the numbers are parameters (`shared_*`, `lead_*`, `nao_*`).
    """
    # One column per mode (GOVERNANCE_MODES): its best fit, the trust and size it needs, and
    # how much its fit depends on consensus (an NAO tolerates any size: a factor of 1).
    needs = np.array(
        [
            [1.0, params.lead_fit, params.nao_fit],
            [params.shared_trust, params.lead_trust, params.nao_trust],
            [params.shared_size, params.lead_size, np.inf],
            [1.0, params.lead_consensus, params.nao_consensus],
        ]
    )
    return governance_fits(
        np.asarray(size, dtype=np.float64),
        np.asarray(mean_trust, dtype=np.float64),
        np.asarray(consensus, dtype=np.float64),
        needs,
    )


RAW_TYPES = {1: np.uint8, 8: np.uint64}  # storage of the table's columns, by item size


class PartnershipTable:
    """The state of the partnerships in force as arrays, one row each, in the model's order.

    A month updates every partnership at once with a few array operations on these columns
    (views of the first `n` rows) instead of one Python call per partnership; the membership
    matrix is kept up to date as members join and leave rather than rebuilt each month. A
    `Partnership` reads and writes its own row through its attributes, so code that looks at
    one partnership (the visualizer, tests, an organization reviewing its memberships) needs
    no arrays. Columns of one shape and item size share a block of storage (columns x rows
    x shape, raw bits: floats and integers together), each column a contiguous slice of it
    viewed as its own type, so that moving rows costs one copy per block, not per column.
    Storage grows by doubling; rows of ended partnerships are dropped together, once a
    month (`drop`).
    """

    def __init__(self, n_organizations: int, n_domains: int, capacity: int = 64) -> None:
        self.n = 0
        self.n_organizations = n_organizations
        self._shapes: dict[str, tuple[tuple[int, ...], type, float]] = {
            name: (shape, dtype, fill)
            for names, shape, dtype, fill in (
                (("membership", "beliefs", "payoffs"), (n_organizations,), np.float64, 0.0),
                (("joined",), (n_organizations,), np.int64, 0),
                (("values",), (n_organizations,), np.float64, 1.0),
                (("warned",), (n_organizations,), np.bool_, False),
                (("quality",), (n_domains,), np.float64, 0.0),
                (("formal", "linked"), (), np.bool_, False),
                (("kind", "governance", "requested", "volunteers", "age"), (), np.int64, 0),
                (
                    ("pool", "output", "effectiveness", "conflict", "mean_trust", "carry"),
                    (),
                    np.float64,
                    0.0,
                ),
                (("reserve", "usual_inflow"), (), np.float64, 0.0),
                (("value_ratio", "pool_return", "consensus"), (), np.float64, 1.0),
            )
            for name in names
        }
        groups: dict[tuple[tuple[int, ...], int], list[str]] = {}
        for name, (shape, dtype, _) in self._shapes.items():
            groups.setdefault((shape, np.dtype(dtype).itemsize), []).append(name)
        self._blocks = [tuple(names) for names in groups.values()]  # column names per block
        # Each block's starting values as raw bits, shaped to fill a block of any length.
        self._starts = [
            np.array(
                [
                    np.array(self._shapes[name][2], self._shapes[name][1]).view(RAW_TYPES[size])
                    for name in names
                ]
            ).reshape((len(names), 1, *(1 for _ in shape)))
            for (shape, size), names in groups.items()
        ]
        self._use([self._fresh(b, capacity) for b in range(len(self._blocks))])

    def _fresh(self, block: int, rows: int) -> np.ndarray:
        """Storage for `block` with `rows` rows at their starting values."""
        names, start = self._blocks[block], self._starts[block]
        storage = np.empty((len(names), rows, *self._shapes[names[0]][0]), start.dtype)
        storage[...] = start
        return storage

    def _use(self, storage: list[np.ndarray]) -> None:
        """Hold `storage` (one array per block); `store` names each column's slice of it,
        viewed as the column's type."""
        self._storage = storage
        self.store: dict[str, np.ndarray] = {
            name: block[j].view(self._shapes[name][1])
            for names, block in zip(self._blocks, storage, strict=True)
            for j, name in enumerate(names)
        }

    def __getstate__(self) -> dict[str, Any]:
        """Copy or pickle the storage only: the columns are made views of it again."""
        return {key: value for key, value in self.__dict__.items() if key != "store"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._use(self._storage)

    def __getitem__(self, name: str) -> np.ndarray:
        """Column `name` for the partnerships in force (a view: writes go to the table)."""
        return self.store[name][: self.n]

    def append(self) -> int:
        """A new row with every column at its starting value; returns the row.

        Rows past `n` always hold the starting values (storage is created so, and `drop`
        resets the rows it frees), so appending writes nothing."""
        if self.n == self._storage[0].shape[1]:
            grown = [self._fresh(b, 2 * self.n) for b in range(len(self._blocks))]
            for new, old in zip(grown, self._storage, strict=True):
                new[:, : self.n] = old
            self._use(grown)
        row = self.n
        self.n += 1
        return row

    def drop(self, rows: list[int]) -> PartnershipTable:
        """Remove `rows` (increasing) from the table, the others keeping their order (the
        caller renumbers partnerships); returns a table of copies of the removed rows, in
        that order, for the partnerships that ended. Freed rows go back to starting values."""
        ended = object.__new__(PartnershipTable)
        ended.n, ended.n_organizations = len(rows), self.n_organizations
        ended._shapes, ended._blocks, ended._starts = self._shapes, self._blocks, self._starts
        taken = np.array(rows)
        # `take` copies the same rows as `block[:, taken]` at a third of its cost
        ended._storage = [block.take(taken, axis=1) for block in self._storage]
        ended.store = _ColumnsOnDemand(ended)  # most ended rows are never read again
        # The rows kept after the first removed one move up into place: one slice copy if a
        # single row goes, else one gather of them all (a month removes three on average;
        # a slice copy per removed row cost a temporary copy of overlapping rows each).
        first, n = rows[0], self.n - len(rows)
        kept = None  # with several removed: the rows after the first one that stay
        if len(rows) > 1:  # (a list of a few dozen rows costs a tenth of np.delete)
            removed = set(rows)
            kept = np.array([r for r in range(first + 1, self.n) if r not in removed], np.intp)
        for block, start in zip(self._storage, self._starts, strict=True):
            if kept is None:
                block[:, first:n] = block[:, first + 1 : self.n]
            else:
                block[:, first:n] = block.take(kept, axis=1)
            block[:, n : self.n] = start
        self.n = n
        return ended


class _ColumnsOnDemand(dict[str, np.ndarray]):
    """The `store` of a table of ended partnerships: each column is made a view of the
    table's storage when first read, as `PartnershipTable._use` makes them all. Making every
    view at once cost a third of a month's `drop`, for rows that are seldom read again."""

    def __init__(self, table: PartnershipTable) -> None:
        super().__init__()
        self.table = table

    def __missing__(self, name: str) -> np.ndarray:
        table = self.table
        for names, block in zip(table._blocks, table._storage, strict=True):
            if name in names:
                view = self[name] = block[names.index(name)].view(table._shapes[name][1])
                return view
        raise KeyError(name)


class Column:
    """A partnership attribute stored in its row of the model's PartnershipTable."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, ps: Partnership | None, owner: type | None = None) -> Any:
        if ps is None:
            return self
        return ps.table.store[self.name][ps.row]

    def __set__(self, ps: Partnership, value: Any) -> None:
        ps.table.store[self.name][ps.row] = value


KIND_CODES = {kind: code for code, kind in enumerate(KINDS)}
GOVERNANCE_CODES = {mode: code for code, mode in enumerate(Governance)}
# Volunteers of a partnership that has none (read-only, shared: a group's are replaced, never
# written in place).
NO_VOLUNTEERS = np.zeros(0, dtype=np.int64)
NO_VOLUNTEERS.flags.writeable = False


class Partnership:
    """A partnership: members, formality, pooled budget, governance and track record.

    Members, kind and dates live here; everything the model updates monthly lives in the
    partnership's row of the model's `PartnershipTable` (the `Column` attributes).
    """

    values = Column()  # members' running benefit ratio vs going alone, by organization
    beliefs = Column()  # share of promises a member expects its partners to give
    warned = Column()  # fined here before: expects sanctions
    payoffs = Column()  # members' public-goods payoffs this month
    quality = Column()  # service quality per domain: the runners' expertise
    pool = Column()
    output = Column()  # money the pool turned into services after governance and conflict
    effectiveness = Column()
    conflict = Column()
    mean_trust = Column()
    value_ratio = Column()  # moving average of members' benefit per unit contributed
    pool_return = Column()  # r: pool's service value per unit vs members' own (last month)
    consensus = Column()  # goal consensus of the members (C1), set each month
    age = Column()
    carry = Column()  # exit fees and fines paid in, spent next month
    reserve = Column()  # money saved for lean months (Z1 buffering)
    usual_inflow = Column()  # running mean of what flows in each month

    def __init__(
        self,
        pid: int,
        members: list[Organization],
        *,
        table: PartnershipTable,
        kind: str,
        formal: bool,
        governance: Governance,
        started: int,
        duration: int,
    ) -> None:
        self.pid = pid
        self.table = table
        self.row = table.append()
        self.members: list[Organization] = []
        self.kind = kind
        self.formal = formal
        self.requested_governance = governance
        self.started = started
        self.duration = duration
        self._volunteers = NO_VOLUNTEERS  # citizen indices (K7)
        self.active = True
        self._joins = 0
        store, row = table.store, self.row
        store["kind"][row] = KIND_CODES[kind]
        store["formal"][row] = formal
        store["requested"][row] = store["governance"][row] = GOVERNANCE_CODES[governance]
        for m in members:
            self._enrol(m)
        self._relink()

    def add(self, org: Organization) -> None:
        """`org` becomes a member (the model does the bookkeeping of beliefs)."""
        self._enrol(org)
        self._relink()

    def _enrol(self, org: Organization) -> None:
        """`org` is a member from now, after those who joined before it."""
        self.members.append(org)
        store = self.table.store
        store["membership"][self.row, org.index] = 1.0
        self._joins += 1
        store["joined"][self.row, org.index] = self._joins  # order of joining

    def remove(self, org: Organization) -> None:
        """`org` is no longer a member; its running value resets."""
        self.members.remove(org)
        store = self.table.store
        store["membership"][self.row, org.index] = 0.0
        store["values"][self.row, org.index] = 1.0
        self._relink()

    def detach(self, table: PartnershipTable, row: int) -> None:
        """The partnership ended: its row, removed from the model's table, is now `row` of
        `table` (PartnershipTable.drop), where it stays readable as before."""
        self.table = table
        self.row = row

    def _relink(self) -> None:
        self.table.store["linked"][self.row] = self.community_linked

    @property
    def volunteers(self) -> np.ndarray:
        """Citizen indices of the volunteers (K7)."""
        return self._volunteers

    @volunteers.setter
    def volunteers(self, chosen: np.ndarray) -> None:
        self._volunteers = chosen
        self.table.store["volunteers"][self.row] = chosen.size

    @property
    def governance(self) -> Governance:
        """The governance mode in force this month (C6)."""
        return list(Governance)[int(self.table.store["governance"][self.row])]

    @property
    def indices(self) -> list[int]:
        """Organization indices of the members."""
        return [m.index for m in self.members]

    @property
    def sectors(self) -> set[Sector]:
        """Distinct sectors among the members."""
        return {m.sector for m in self.members}

    @property
    def community_linked(self) -> bool:
        """Whether citizens take part through it (K2, K6, K7 or a community member): B5."""
        return self.kind in COMMUNITY_KINDS or Sector.COMMUNITY in self.sectors

    @property
    def term_over(self) -> bool:
        """A formal agreement has reached its end date and is up for renewal."""
        return bool(Partnership.terms_over(self.formal, self.age, self.duration))

    @staticmethod
    def terms_over(formal: Any, age: Any, duration: int) -> Any:
        """Which formal agreements of `age` months have reached an end date, every
        `duration` months (D1); for one partnership or a table's columns at once."""
        return formal & (age > 0) & (age % duration == 0)
