"""Row-level exports release (staff level, staff post) k-anonymously within a department
(``domain.stats.k_anonymous_labels``, CONFIDENTIALITY_RULE 4) and name why a group is hidden
(``domain.stats.suppression_reason``)."""

import itertools
import random
from collections import Counter

from surveyapp.domain.stats import COMPLEMENT, TOO_FEW, is_suppressed, k_anonymous_labels, suppression_reason


def _k_anonymous(released, k):
    return all(n >= k for n in Counter(released).values())


def test_one_blank_row_beside_three_labelled_is_not_singled_out():
    rows = [("clerk", "disclosure")] * 3 + [(None, None)]
    released = k_anonymous_labels(rows, 3)
    assert _k_anonymous(released, 3)
    assert released == [(None, None)] * 4


def test_a_lone_post_is_blanked_before_the_level():
    rows = [("clerk", "disclosure")] * 3 + [("clerk", "media")] + [("clerk", None)] * 2
    released = k_anonymous_labels(rows, 3)
    assert released == [("clerk", "disclosure")] * 3 + [("clerk", None)] * 3


def test_large_groups_keep_their_labels():
    rows = [("clerk", "disclosure")] * 4 + [("section", "media")] * 3
    assert k_anonymous_labels(rows, 3) == rows


def test_every_released_combination_covers_zero_or_k_rows_whatever_the_input():
    generator = random.Random(14)
    levels, posts = ["clerk", "section", "division", None], ["disclosure", "media", None]
    for _ in range(2000):
        n = generator.randint(3, 12)
        rows = [(generator.choice(levels), generator.choice(posts)) for _ in range(n)]
        for k in (2, 3, 4):
            released = k_anonymous_labels(rows, k)
            if n >= k:
                assert _k_anonymous(released, k), (rows, released)
            # Only generalised: a released value is the row's own or blank.
            for (level, post), (out_level, out_post) in zip(rows, released, strict=True):
                assert out_level in (level, None) and out_post in (post, None)


def test_exhaustive_small_departments():
    values = [("a", "x"), ("a", None), ("b", "x"), (None, None)]
    for n in range(3, 7):
        for rows in itertools.combinations_with_replacement(values, n):
            assert _k_anonymous(k_anonymous_labels(list(rows), 3), 3)


def test_suppression_reason_names_the_differencing_rule():
    assert suppression_reason(2, 3) == TOO_FEW and suppression_reason(0, 3, 5) == TOO_FEW
    assert suppression_reason(3, 3, 4) == COMPLEMENT
    assert suppression_reason(3, 3, 3) is None and suppression_reason(3, 3, 6) is None
    for n, n_all in itertools.product(range(8), range(8)):
        assert (suppression_reason(n, 3, n_all) is not None) == is_suppressed(n, 3, n_all)
