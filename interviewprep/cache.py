"""The shared cache: PostgreSQL through Django's database cache, unless CACHE_URL names another.

Rate-limit counters live here, so every app server sees the same counts.
"""

from typing import Any

from django.core.cache.backends.db import DatabaseCache
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
