"""The shared cache: PostgreSQL through Django's database cache, unless CACHE_URL names another.

Rate-limit counters live here, so every app server sees the same counts.
"""

from typing import Any

from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.db import connections, router, transaction


class PostgresCache(DatabaseCache):
    """Django's database cache with an atomic `incr`, which rate-limit counters need.

    The base `incr` reads and then writes, so concurrent requests could each count once and lose
    an increment; locking the row first makes the read-and-write one step per key.
    """

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self.cache_model_class._meta.db_table)
        cache_key = self.make_and_validate_key(key, version=version)
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {table} WHERE cache_key = %s FOR UPDATE", [cache_key])
            return super().incr(key, delta, version)


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's Redis client, keeping one `redis.Redis` per connection pool.

    Django makes a new `redis.Redis` for every cache call, and each one builds its table of
    response callbacks: about a millisecond of CPU per call on the benchmark machine, paid by
    every request that reads its session from the cache. A `redis.Redis` is thread-safe.
    """

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Both are RedisCacheClient's own attributes, which the stubs do not declare.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    """Valkey or Redis (CACHE_URL), through `ReusingRedisCacheClient`."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
