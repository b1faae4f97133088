"""Test harness shipped with deeplake.

``deeplake.testing.storage_tests.StorageProviderTests`` holds the storage
contract; every provider's test class inherits it. Submodules are imported
explicitly so that importing this package pulls in no test framework.
"""
