"""Rate limits as rows (table `rate_limit_hits`), so every web process counts the same attempts."""

from __future__ import annotations

# Login: per account (guessing one person's password) and per address (trying many accounts).
LOGIN_ACCOUNT = ("login_account", 10, 15 * 60)
LOGIN_ADDRESS = ("login_address", 30, 15 * 60)


def hit(services, bucket: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """One attempt under (bucket, key): True (allowed, and recorded as a row in its own short transaction)
    while fewer than `limit` were allowed in the last `window_seconds`; False once the limit is reached."""
    return services.accounts.hit(bucket, key, limit=limit, window_seconds=window_seconds)


def client_address(request) -> str:
    """The caller's address (uvicorn puts the proxy's X-Forwarded-For there when told to trust it)."""
    client = request.client
    return client.host if client is not None and client.host else "unknown"
