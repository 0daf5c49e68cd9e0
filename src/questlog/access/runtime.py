"""The access part of a running Questlog: built by bootstrap once Beanie is initialised."""

from __future__ import annotations

from dataclasses import dataclass

from questlog.access import documents, handlers
from questlog.access.cache import RevisionCache, Revisions
from questlog.access.companies import Companies, CompanyTokens
from questlog.access.dashboard import Dashboard
from questlog.access.erasure import Erasure
from questlog.access.gate import AccessGate
from questlog.access.geo import CountryLookup, OfflineCountries
from questlog.access.keys import ApiKeys
from questlog.access.limiter import Limiter, LocalLimiter, SharedLimiter
from questlog.access.players import PLAYERS, PlayerFlags
from questlog.access.pseudonyms import Pseudonyms
from questlog.access.rate_policy import RatePolicies, load_policies
from questlog.access.references import REFERENCES, References
from questlog.access.sessions import SessionOwners
from questlog.bus import Bus
from questlog.settings import Settings
from questlog.stats.service import StatsService
from questlog.store.documents import StoredEvent
from questlog.store.types import MotorDatabase


@dataclass
class Access:
    settings: Settings
    pseudonyms: Pseudonyms
    flags: PlayerFlags
    sessions: SessionOwners
    references: References
    policies: RatePolicies
    limiter: Limiter | None
    gate: AccessGate
    geo: CountryLookup | None
    trusted_proxies: frozenset[str]
    companies: Companies
    keys: ApiKeys
    # Set by with_stats, once the statistics service exists.
    erasure: Erasure | None = None
    dashboard: Dashboard | None = None

    @classmethod
    def start(cls, settings: Settings) -> Access:
        pseudonyms = Pseudonyms(secret=settings.player_id_secret, enabled=settings.pseudonymize)
        revisions = Revisions(documents.AccessRevision.get_motor_collection(),
                              interval=settings.access_cache_seconds)
        entries = settings.access_cache_entries
        flags = PlayerFlags(documents.PlayerFlag.get_motor_collection(),
                            cache=RevisionCache(revisions, PLAYERS, max_entries=entries),
                            everyone=RevisionCache(revisions, PLAYERS, max_entries=1),
                            everyone_limit=entries)
        # Erasure removes a player's sessions and bumps the players' revision.
        sessions = SessionOwners(documents.SessionOwner.get_motor_collection(),
                                 cache=RevisionCache(revisions, PLAYERS, max_entries=entries))
        references = References(lists=documents.ReferenceList.get_motor_collection(),
                                events=StoredEvent.get_motor_collection(),
                                cache=RevisionCache(revisions, REFERENCES, max_entries=entries))
        policies = load_policies(settings.rate_limits_file)
        limiter: Limiter | None = None
        if settings.rate_limits_enabled:
            limiter = (SharedLimiter(documents.RateBucket.get_motor_collection())
                       if settings.rate_limit_shared else LocalLimiter())
        gate = AccessGate(pseudonyms=pseudonyms, flags=flags, sessions=sessions,
                          references=references, limiter=limiter, policies=policies)
        companies = Companies(collection=documents.CompanyRecord.get_motor_collection(),
                              tokens=CompanyTokens(settings.dashboard_token_secret),
                              salt=settings.company_salt)
        proxies = frozenset(p.strip() for p in settings.trusted_proxies.split(",") if p.strip())
        return cls(settings=settings, pseudonyms=pseudonyms, flags=flags, sessions=sessions,
                   references=references, policies=policies, limiter=limiter, gate=gate,
                   geo=OfflineCountries() if settings.geoip else None, trusted_proxies=proxies,
                   companies=companies,
                   keys=ApiKeys(documents.ApiKeyRecord.get_motor_collection()))

    def with_stats(self, *, database: MotorDatabase, stats: StatsService, bus: Bus) -> Access:
        self.erasure = Erasure(database=database, stats=stats, flags=self.flags,
                               pseudonyms=self.pseudonyms,
                               settle_seconds=erasure_settle_seconds(self.settings))
        self.dashboard = Dashboard(
            daily=database["daily_stats"], events=StoredEvent.get_motor_collection(),
            calendar=stats.calendar, min_company_n=self.settings.min_company_n,
        )
        handlers.subscribe(bus, self.companies)
        return self

    def dashboards(self) -> Dashboard:
        assert self.dashboard is not None, "Access.with_stats was not called"
        return self.dashboard

    def erasing(self) -> Erasure:
        assert self.erasure is not None, "Access.with_stats was not called"
        return self.erasure

    async def request_budget(self, key_label: str, now: float) -> float | None:
        """None when a request of this key may go on, else the seconds to wait."""
        rate = self.policies.requests_per_key
        if self.limiter is None or rate is None:
            return None
        outcome = await self.limiter.take([[(f"requests:{key_label}", rate)]], now)
        return None if outcome.granted[0] else outcome.retry_after

    def player_id(self, raw: str) -> str:
        """The stored id of the player a client or an admin names `raw`."""
        return self.pseudonyms.player(raw)


def erasure_settle_seconds(settings: Settings) -> float:
    """How long after an erasure another process may still store the player's events: a
    request whose access check came from a cache not yet aware of it (access_cache_seconds),
    then wrote within its deadline (write_deadline_seconds, which covers the check too)."""
    if settings.erasure_settle_seconds is not None:
        return settings.erasure_settle_seconds
    return settings.access_cache_seconds + settings.write_deadline_seconds
