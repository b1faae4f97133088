"""Documented calls that only the Activeloop platform can serve raise a clear
error offline (never a fake success)."""
import pytest

import deeplake
from deeplake.errors import CloudServiceUnavailableError


@pytest.mark.parametrize("call,what", [
    (lambda: deeplake.connect("s3://bucket/ds", creds_key="k", org_id="org"), "s3://bucket/ds"),
    (lambda: deeplake.list("my_org"), "Listing"),
    (lambda: deeplake.empty("mem://cloud_only_a", overwrite=True).connect(creds_key="k", org_id="o"), "mem://cloud_only_a"),
    (lambda: deeplake.empty("mem://cloud_only_b", overwrite=True).visualize(), "visualize"),
    (lambda: deeplake.load("hub://org/ds"), "hub://org/ds"),
])
def test_platform_calls_raise_a_clear_error(call, what):
    with pytest.raises(CloudServiceUnavailableError, match="Activeloop") as info:
        call()
    assert what in str(info.value)


def test_star_import_does_not_hide_the_builtin_list():
    namespace = {}
    exec("from deeplake import *", namespace)
    assert "list" not in namespace and "connect" in namespace
