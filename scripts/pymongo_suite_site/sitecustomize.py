"""Loaded by scripts/pymongo_suite.py into every pytest process of PyMongo's suite (via PYTHONPATH).

Tests here must never reach a public address. PyMongo resolves mongodb+srv:// URIs with
dnspython; the few suite tests that resolve MongoDB's public test records
(test*.test.build.10gen.cc) are deselected by the script, and this guard makes sure that
any other lookup asks only 127.0.0.1 (where nothing answers DNS), so it fails at once
instead of leaving the machine. The suite's own files are not touched.
"""

try:
    import dns.resolver
except ImportError:  # without dnspython PyMongo refuses mongodb+srv:// itself
    pass
else:
    _loopback_only = dns.resolver.Resolver(configure=False)
    _loopback_only.nameservers = ["127.0.0.1"]
    _loopback_only.lifetime = 1.0
    dns.resolver.default_resolver = _loopback_only
    try:
        import dns.asyncresolver
    except ImportError:
        pass
    else:
        _async_loopback_only = dns.asyncresolver.Resolver(configure=False)
        _async_loopback_only.nameservers = ["127.0.0.1"]
        _async_loopback_only.lifetime = 1.0
        dns.asyncresolver.default_resolver = _async_loopback_only
