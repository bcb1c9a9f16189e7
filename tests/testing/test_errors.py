"""raises_named: it passes only the expected class with a message that starts with
the argument's name as a word."""

import pytest

from thermoinfo.testing import raises_named


def test_passes_the_named_error_and_keeps_it():
    with raises_named(ValueError, "p_xy") as check:
        raise ValueError("p_xy must sum to 1 (got 1.2)")
    assert str(check.value) == "p_xy must sum to 1 (got 1.2)"
    with raises_named(ValueError, "family"):
        raise ValueError("family[0] is empty")
    with raises_named(ValueError, "n"):  # a subclass is the class
        raise type("DistributionError", (ValueError,), {})("n must be >= 1")


@pytest.mark.parametrize("message", ["p_xy must sum to 1", "the p must be > 0", " p must be > 0", "P must"])
def test_fails_a_message_that_starts_otherwise(message):
    with pytest.raises(AssertionError, match="does not start with 'p'"):
        with raises_named(ValueError, "p"):
            raise ValueError(message)


def test_fails_when_nothing_is_raised_and_lets_other_classes_through():
    with pytest.raises(AssertionError, match="no TypeError was raised"):
        with raises_named(TypeError, "x"):
            pass
    with pytest.raises(TypeError, match="x must be"):
        with raises_named(ValueError, "x"):
            raise TypeError("x must be a number")


def test_checks_its_own_arguments():
    with raises_named(TypeError, "error"):
        raises_named("ValueError", "x")
    with raises_named(TypeError, "name"):
        raises_named(ValueError, "")
