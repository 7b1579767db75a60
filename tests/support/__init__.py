"""Test support shared by tests/ and bench/: ports, proxies, running services, browser audits."""
