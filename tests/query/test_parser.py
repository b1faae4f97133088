"""Grammar coverage and syntax errors (with line, column and caret)."""

import pytest

from deeplake.errors import InvalidQueryError
from deeplake.query import ast
from deeplake.query.errors import QuerySyntaxError
from deeplake.query.parser import parse, parse_expression

SPEC_QUERIES = [
    "select * where labels == 0",
    "(select * where contains(categories, 'car')) union (select * where contains(categories, 'motorcycle'))",
    "select * where labels != 5",
    "(select * where contains(categories, 'car') limit 1000) union "
    "(select * where contains(categories, 'motorcycle') limit 1000)",
    "labels == 0 OR labels == 1",
    "labels BETWEEN 0 and 5",
    "labels in ARRAY[0, 2, 4, 6, 8]",
    "SELECT * ORDER BY RANDOM()",
    "select * where contains(\"tensor-name\", 'text_value')",
    "select * where \"tensor_name/group_name\" == 3",
    "select * where shape(tensor_name)[1] > 3",
    "select * where (contains(t, 'a') and shape(t2)[0]>2) or contains(t, 'b')",
    "(select * where contains(t, 'value')) intersect (select * where contains(t, 'value_2'))",
    "select * where contains(t, 'text_value') order by t asc",
    "select * where all(t==0)",
    "select * where all_strict(t[:,2]>3)",
    "select * where any(t[0:6]>3)",
    "select * where t in (1, 2, 6, 10)",
    "select * where class_label_tensor_name in ('car', 'truck')",
    "select * where t between 5 and 20",
    "select * where any(logical_and(t1[:,3]>3, t2 == 'text_value'))",
    "select * where row_number() == 10",
    "select * order by l2_norm(embedding - data(embedding, 10))",
    "select * sample by max_weight(labels == 5: 10, labels == 6: 5) replace True limit 10",
    "select * from (select t1, t2, l2_norm(e - ARRAY[1, 2]) as score) order by score desc limit 10",
    "select *, any(boxes[:,0])<0 as box_beyond_image where labels == 1",
    "select *, tensor_1 + tensor_3 as tensor_sum where tensor_1 > 0",
    "select * group by label, video_id",
    "select * ungroup by split",
    "select * where labels == 1 expand by 2, 3",
    "select text, score from (select *, COSINE_SIMILARITY(embedding, ARRAY[0.1, -0.2, 3e-05]) as score "
    "where metadata['k'] == 'v' order by COSINE_SIMILARITY(embedding, ARRAY[0.1, -0.2, 3e-05]) DESC limit 4)",
    "SELECT * FROM (SELECT text, ROW_NUMBER() as indices, COSINE_SIMILARITY(embedding, ARRAY[1,2]) as score "
    "order by COSINE_SIMILARITY(embedding, ARRAY[1,2]) desc limit 100)",
    "select * order by L1_NORM(e-ARRAY[1]), LINF_NORM(e - ARRAY[2]) desc limit 5 offset 2",
]


@pytest.mark.parametrize("query", SPEC_QUERIES)
def test_documented_queries_parse(query):
    assert isinstance(parse(query), (ast.Select, ast.SetOp))


def test_keywords_in_any_case_and_clause_fields():
    tree = parse("SeLeCt * FrOm ds WhErE a == 1 OrDeR bY b DeSc, c LiMiT 5 oFfSeT 2")
    assert tree.source == "ds"
    assert isinstance(tree.where, ast.Binary) and tree.where.op == "=="
    assert [(k.expr.name, k.descending) for k in tree.order_by] == [("b", True), ("c", False)]
    assert (tree.limit, tree.offset) == (5, 2)


def test_spec_clause_order_limit_before_order_by():
    tree = parse("select * where a > 1 limit 3 order by a")
    assert tree.limit == 3 and tree.order_by[0].expr.name == "a"


def test_bare_expression_is_a_where_filter():
    tree = parse("labels == 3")
    assert isinstance(tree, ast.Select) and isinstance(tree.items[0], ast.Star)
    assert tree.where.op == "=="
    assert parse("(labels == 1) or (labels == 2)").where.op == "OR"


def test_single_equals_and_sql_not_equal():
    assert parse("a = 1").where.op == "=="
    assert parse("a <> 1").where.op == "!="


def test_strings_and_quoted_names():
    where = parse("select * where \"group/sub tensor\" == 'it''s'").where
    assert where.left.name == "group/sub tensor"
    assert where.right.value == "it's"
    assert parse("a.b.c == 1").where.left.name == "a/b/c"


def test_precedence():
    where = parse("a == 1 or b == 2 and not c == 3").where
    assert where.op == "OR" and where.right.op == "AND"
    assert where.right.right.op == "NOT"
    arith = parse_expression("1 + 2 * -x % 4")
    assert arith.op == "+" and arith.right.op == "%" and arith.right.left.op == "*"


def test_between_binds_its_own_and():
    where = parse("x between 1 and 5 and y == 2").where
    assert where.op == "AND" and isinstance(where.left, ast.Between)


def test_not_in_and_not_between():
    assert parse("x not in (1, 2)").where.negated
    assert parse("x not between 1 and 2").where.negated


def test_subscripts_and_slices():
    sub = parse_expression("boxes[:, 0]")
    assert isinstance(sub.items[0], ast.SliceItem) and sub.items[1].value == 0
    sl = parse_expression("x[1:-1:2]").items[0]
    assert (sl.start.value, sl.stop.value, sl.step.value) == (1, -1, 2)
    assert parse_expression("meta['id'][0]").base.items[0].value == "id"


def test_numbers_and_negative_literals_fold():
    arr = parse_expression("ARRAY[1, -2.5, 3e-2, .5, -1E3]")
    assert [i.value for i in arr.items] == [1, -2.5, 0.03, 0.5, -1000.0]


def test_virtual_columns_and_aliases():
    tree = parse("select images, shape(images)[0] as h, labels + 1")
    assert isinstance(tree.items[0].expr, ast.Column)
    assert tree.items[1].alias == "h"
    assert tree.items[2].alias is None and tree.items[2].text == "labels + 1"


def test_sample_by_options():
    s = parse("select * sample by sum_weight(a: 1, b: 2)").sample_by
    assert s.replace is True and s.limit is None and s.weights.name == "SUM_WEIGHT"
    s = parse("select * sample by labels replace false limit 7").sample_by
    assert s.replace is False and s.limit == 7


def test_set_operations_left_associative():
    tree = parse("(select * where a) union (select * where b) except (select * where c)")
    assert tree.op == "EXCEPT" and tree.left.op == "UNION"


def test_comments_are_ignored():
    assert parse("select * -- all rows\nwhere a == 1").where is not None


def _error(query):
    with pytest.raises(QuerySyntaxError) as info:
        parse(query)
    return info.value


@pytest.mark.parametrize(
    "query, line, column, expected",
    [
        ("select * where", 1, 15, "Expected an expression"),
        ("select * where (a == 1", 1, 23, "Expected ')'"),
        ("select * where a == 'abc", 1, 21, "Unterminated string"),
        ("select *\nwhere a == == 2", 2, 12, "found operator '=='"),
        ("select * limit 1 limit 2", 1, 18, "Duplicate LIMIT"),
        ("select * limit x", 1, 16, "non-negative integer after LIMIT"),
        ("select * order a", 1, 16, "Expected BY"),
        ("select * where a == 1 b", 1, 23, "end of query"),
        ("a == 1 )", 1, 8, "an operator or end of query"),
        ("select * where f(a, ", 1, 21, "Expected an expression"),
        ("select * where x[1:2:3:4]", 1, 23, "Too many ':'"),
        ("select * where a ? 1", 1, 18, "Unexpected character '?'"),
        ("select * where 3abc", 1, 16, "Invalid number"),
        ("", 1, 1, "Expected SELECT or an expression"),
        ("(select * where a) union select", 1, 32, "Expected"),
        ("select * sample by x replace maybe", 1, 30, "TRUE or FALSE"),
    ],
)
def test_syntax_errors_say_what_and_where(query, line, column, expected):
    err = _error(query)
    assert isinstance(err, InvalidQueryError) and isinstance(err, ValueError)
    assert (err.line, err.column) == (line, column)
    text = str(err)
    assert expected in text
    assert f"line {line}, column {column}" in text
    snippet_line = query.split("\n")[line - 1]
    lines = text.split("\n")
    assert lines[-2] == "    " + snippet_line
    assert lines[-1] == "    " + " " * (column - 1) + "^"


def test_garbage_never_leaks_python_errors():
    samples = ["((((", "select * where [", "select * where ARRAY[", "][", "select select",
               "select * from (", "select * where a[", "select * where a[:", ":", "'", '"',
               "select * where a in", "select * where a between 1", "select *, as x",
               "select * group", "select * expand by", "select * where -", "((select *)"]
    for query in samples:
        with pytest.raises(InvalidQueryError):
            parse(query)


def test_deep_nesting_is_a_syntax_error():
    with pytest.raises(QuerySyntaxError, match="nested too deeply"):
        parse("(" * 1000 + "a" + ")" * 1000)


def test_non_string_query():
    with pytest.raises(InvalidQueryError):
        parse(42)
