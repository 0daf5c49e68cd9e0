/* The rollup's two hot loops in C, called by scan.py and encoded.py.
 *
 * scan_batch(batch, owners, shapes, int64, other) -> int
 *
 * DayScan.add over a batch of raw events, as the server sent them (find_raw_batches:
 * the documents' BSON, one after the other), without decoding them into dicts: each
 * event's type, company, user, success, sample rate and its type's numeric fields are
 * read off its bytes into the row DayScan.add makes, with the values bson would decode
 * (plain codec options: an int64 as bson's Int64, given as `int64`). An event holding,
 * where the scan reads, a value of another BSON type (a datetime, a document...), or
 * malformed, is handed to other(its bytes) whole, to be decoded and added in Python.
 * `shapes` maps each known type to (its numeric fields' names as bytes, has success).
 * Answers how many events it added itself.
 *
 * document(document_id, user, mine, kinds, between, after, other) -> bytes
 *
 * The bytes of scan.player_documents' dict for the player `user` (rows of every type
 * in `mine`) as bson.encode writes it, key order included. A one-event, unsampled
 * bucket of a type in `kinds` (type -> (element head, its fields' element heads, has
 * success)) is written here; any other bucket, or one holding a value this file does
 * not write (an int beyond int32, an infinity), is `other(type, rows, user)`'s element.
 * The header's constant elements come from Python (`between`: after the _id up to
 * user_id's value; `after`: from user_id's value up to `types`), encoded by bson.
 *
 * A one-value field is parts.Parts.single_field's: n 1, sum, sum_sq, min, max and the
 * sketch "q" of its one key, ddsketch's ceil(log(x) / log(2) * multiplier) (what Python's
 * math.log(x, 2) computes, with the same C library), negative values keyed by |x|,
 * zeros (|x| at most the mapping's smallest value) counted apart, NaN nowhere.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static double multiplier, smallest;  /* the sketch mapping's (configure) */
static PyObject *empty_field;        /* parts.EMPTY_FIELD, encoded (configure) */

typedef struct {
    char *data;
    Py_ssize_t size, capacity;
} Buffer;

static int reserve(Buffer *b, Py_ssize_t more) {
    if (b->size + more <= b->capacity)
        return 0;
    Py_ssize_t capacity = 2 * (b->size + more);
    char *data = PyMem_Realloc(b->data, capacity);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = data;
    b->capacity = capacity;
    return 0;
}

/* Writers: the caller has reserved the room. */
static void put(Buffer *b, const void *bytes, Py_ssize_t n) {
    memcpy(b->data + b->size, bytes, n);
    b->size += n;
}
static void put_byte(Buffer *b, char c) { b->data[b->size++] = c; }
static void put_int32(Buffer *b, int32_t v) { put(b, &v, 4); }  /* little-endian x86-64, ARM */
static void put_double(Buffer *b, double v) { put(b, &v, 8); }
/* An element's type and name (a C string literal: its NUL is written too). */
#define NAME(b, kind, literal) (put_byte(b, kind), put(b, literal, sizeof(literal)))

/* Open a document (or array): room for its length, filled by close_document. */
static Py_ssize_t open_document(Buffer *b) {
    Py_ssize_t at = b->size;
    b->size += 4;
    return at;
}
static void close_document(Buffer *b, Py_ssize_t at) {
    put_byte(b, 0);
    int32_t n = (int32_t)(b->size - at);
    memcpy(b->data + at, &n, 4);
}

static int put_string(Buffer *b, PyObject *text) {  /* a BSON string's value */
    Py_ssize_t n;
    const char *utf8 = PyUnicode_AsUTF8AndSize(text, &n);
    if (utf8 == NULL || reserve(b, n + 5) < 0)
        return -1;
    put_int32(b, (int32_t)(n + 1));
    put(b, utf8, n);
    put_byte(b, 0);
    return 0;
}

/* ["k"]: an array of one int32, or of none. */
static void put_keys(Buffer *b, const char *name, int one, int32_t value) {
    put_byte(b, 0x04);
    put(b, name, 3);  /* "pk", "pc", "nk" or "nc", and its NUL */
    Py_ssize_t at = open_document(b);
    if (one) {
        NAME(b, 0x10, "0");
        put_int32(b, value);
    }
    close_document(b, at);
}

enum { FIELD_WRITTEN, FIELD_EMPTY, FIELD_OFF_PATH };

/* parts.Parts.single_field's document of one unsampled value. */
static int put_field(Buffer *b, PyObject *value) {
    double x;
    long whole = 0;
    int is_int = 0;
    if (PyFloat_CheckExact(value)) {
        x = PyFloat_AS_DOUBLE(value);
    } else if (PyLong_CheckExact(value)) {  /* bool is its own type, as in parts.py */
        int overflow;
        whole = PyLong_AsLongAndOverflow(value, &overflow);
        if (overflow || whole < INT32_MIN || whole > INT32_MAX)
            return FIELD_OFF_PATH;
        x = (double)whole;
        is_int = 1;
    } else if (PyLong_Check(value) && !PyBool_Check(value)) {
        return FIELD_OFF_PATH;  /* bson's Int64 (an int64 read back): parts.py's */
    } else {
        return FIELD_EMPTY;  /* no number: counted nowhere */
    }
    int positive = 0, negative = 0, zero = 0;
    int32_t key = 0;
    if (x > smallest || x < -smallest) {
        double k = ceil(log(fabs(x)) / log(2.0) * multiplier);
        if (!isfinite(k))
            return FIELD_OFF_PATH;  /* an infinity: parts.py says what it does */
        key = (int32_t)k;
        positive = x > 0;
        negative = x < 0;
    } else {
        zero = x == x;  /* NaN is no zero: its sketch stays empty */
    }
    if (reserve(b, 160) < 0)
        return -1;
    Py_ssize_t at = open_document(b);
    NAME(b, 0x10, "n");
    put_int32(b, 1);
    NAME(b, 0x01, "sum");
    put_double(b, x);
    NAME(b, 0x01, "sum_sq");  /* float(v * v): an int's square rounded once, as here */
    put_double(b, is_int ? (double)((long long)whole * whole) : x * x);
    if (is_int) {
        NAME(b, 0x10, "min");
        put_int32(b, (int32_t)whole);
        NAME(b, 0x10, "max");
        put_int32(b, (int32_t)whole);
    } else {
        NAME(b, 0x01, "min");
        put_double(b, x);
        NAME(b, 0x01, "max");
        put_double(b, x);
    }
    NAME(b, 0x03, "q");
    Py_ssize_t sketch = open_document(b);
    put_keys(b, "pk", positive, key);
    put_keys(b, "pc", positive, 1);
    put_keys(b, "nk", negative, key);
    put_keys(b, "nc", negative, 1);
    NAME(b, 0x10, "z");
    put_int32(b, zero);
    close_document(b, sketch);
    close_document(b, at);
    return FIELD_WRITTEN;
}

static int put_bytes(Buffer *b, PyObject *bytes) {
    if (reserve(b, PyBytes_GET_SIZE(bytes)) < 0)
        return -1;
    put(b, PyBytes_AS_STRING(bytes), PyBytes_GET_SIZE(bytes));
    return 0;
}

/* The bucket of one unsampled event, as parts.Parts._single_part: 1 if written, 0 if a
 * value is off this path (nothing written), -1 on error. */
static int put_one_event(Buffer *b, PyObject *kind, PyObject *row, PyObject *user) {
    PyObject *head = PyTuple_GET_ITEM(kind, 0), *names = PyTuple_GET_ITEM(kind, 1);
    int has_success = PyObject_IsTrue(PyTuple_GET_ITEM(kind, 2));
    PyObject *values = PyTuple_GET_ITEM(row, 0);
    if (!PyTuple_CheckExact(values) || PyTuple_GET_SIZE(values) != PyTuple_GET_SIZE(names)) {
        PyErr_SetString(PyExc_ValueError, "a row's values do not match its type's fields");
        return -1;
    }
    Py_ssize_t start = b->size;
    if (put_bytes(b, head) < 0 || reserve(b, 128) < 0)
        return -1;
    Py_ssize_t at = open_document(b);
    NAME(b, 0x10, "count");
    put_int32(b, 1);
    if (has_success) {
        NAME(b, 0x10, "successes");
        put_int32(b, PyObject_IsTrue(PyTuple_GET_ITEM(row, 1)));
    } else {
        NAME(b, 0x0A, "successes");
    }
    NAME(b, 0x10, "distinct_users");
    put_int32(b, 1);
    NAME(b, 0x08, "distinct_users_exact");
    put_byte(b, 1);
    NAME(b, 0x04, "users");
    Py_ssize_t users = open_document(b);
    NAME(b, 0x02, "0");
    if (put_string(b, user) < 0 || reserve(b, 32) < 0)
        return -1;
    close_document(b, users);
    NAME(b, 0x0A, "users_hll");
    NAME(b, 0x03, "fields");
    Py_ssize_t fields = open_document(b);
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(names); i++) {
        if (put_bytes(b, PyTuple_GET_ITEM(names, i)) < 0)
            return -1;
        int field = put_field(b, PyTuple_GET_ITEM(values, i));
        if (field < 0)
            return -1;
        if (field == FIELD_OFF_PATH) {
            b->size = start;
            return 0;
        }
        if (field == FIELD_EMPTY && put_bytes(b, empty_field) < 0)
            return -1;
    }
    if (reserve(b, 2) < 0)
        return -1;
    close_document(b, fields);
    close_document(b, at);
    return 1;
}

/* The bucket of `rows` of `type`: here if it is one unsampled event of a known type,
 * else other(type, rows, user)'s element. */
static int put_bucket(Buffer *b, PyObject *type, PyObject *rows, PyObject *kinds,
                      PyObject *user, PyObject *other) {
    if (!PyList_CheckExact(rows)) {
        PyErr_SetString(PyExc_TypeError, "a bucket's rows must be a list");
        return -1;
    }
    PyObject *kind = PyDict_GetItemWithError(kinds, type);
    if (kind == NULL && PyErr_Occurred())
        return -1;
    if (kind != NULL && PyList_GET_SIZE(rows) == 1) {
        PyObject *row = PyList_GET_ITEM(rows, 0);
        if (PyTuple_CheckExact(row) && PyTuple_GET_SIZE(row) == 3
                && PyTuple_GET_ITEM(row, 2) == Py_None) {
            int written = put_one_event(b, kind, row, user);
            if (written != 0)
                return written < 0 ? -1 : 0;
        }
    }
    PyObject *element = PyObject_CallFunctionObjArgs(other, type, rows, user, NULL);
    if (element == NULL)
        return -1;
    int failed = !PyBytes_Check(element) || put_bytes(b, element) < 0;
    if (failed && !PyErr_Occurred())
        PyErr_SetString(PyExc_TypeError, "other() must answer bytes");
    Py_DECREF(element);
    return failed ? -1 : 0;
}

static PyObject *document(PyObject *self, PyObject *args) {
    PyObject *document_id, *user, *mine, *kinds, *between, *after, *other;
    if (!PyArg_ParseTuple(args, "UUO!O!SSO", &document_id, &user, &PyDict_Type, &mine,
                          &PyDict_Type, &kinds, &between, &after, &other))
        return NULL;
    PyObject *types = PyDict_Keys(mine);  /* in the dict's order if one, else sorted */
    if (types == NULL || (PyList_GET_SIZE(types) > 1 && PyList_Sort(types) < 0)) {
        Py_XDECREF(types);
        return NULL;
    }
    Buffer b = {NULL, 0, 0};
    PyObject *result = NULL;
    if (reserve(&b, 64) < 0)
        goto done;
    Py_ssize_t at = open_document(&b);
    NAME(&b, 0x02, "_id");
    if (put_string(&b, document_id) < 0 || put_bytes(&b, between) < 0
            || put_string(&b, user) < 0 || put_bytes(&b, after) < 0 || reserve(&b, 16) < 0)
        goto done;
    NAME(&b, 0x03, "types");
    Py_ssize_t buckets = open_document(&b);
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(types); i++) {
        PyObject *type = PyList_GET_ITEM(types, i);
        PyObject *rows = PyDict_GetItemWithError(mine, type);
        if (rows == NULL || put_bucket(&b, type, rows, kinds, user, other) < 0)
            goto done;
    }
    if (reserve(&b, 2) < 0)
        goto done;
    close_document(&b, buckets);
    close_document(&b, at);
    result = PyBytes_FromStringAndSize(b.data, b.size);
done:
    PyMem_Free(b.data);
    Py_DECREF(types);
    return result;
}

/* ---- scan_batch ---- */

typedef struct {
    const char *name, *value;
    Py_ssize_t name_size;
    unsigned char kind;
} Element;

#define MOST_ELEMENTS 256  /* an event with more is read in Python */

/* The size of a value of BSON type `kind` at `at`, `left` bytes before the document's
 * end; -1 if it does not fit or the type is unknown. */
static Py_ssize_t value_size(unsigned char kind, const char *at, Py_ssize_t left) {
    int32_t n = 0;
    Py_ssize_t size;
    switch (kind) {
    case 0x01: case 0x09: case 0x11: case 0x12: size = 8; break;  /* double, datetime, timestamp, int64 */
    case 0x07: size = 12; break;  /* ObjectId */
    case 0x08: size = 1; break;   /* bool */
    case 0x10: size = 4; break;   /* int32 */
    case 0x13: size = 16; break;  /* decimal128 */
    case 0x06: case 0x0A: case 0x7F: case 0xFF: size = 0; break;  /* undefined, null, max, min */
    case 0x02: case 0x0D: case 0x0E: case 0x0C:  /* string, code, symbol, DBPointer */
        if (left < 4) return -1;
        memcpy(&n, at, 4);
        if (n < 1) return -1;
        size = 4 + (Py_ssize_t)n + (kind == 0x0C ? 12 : 0);
        break;
    case 0x03: case 0x04: case 0x0F:  /* document, array, code with scope */
        if (left < 4) return -1;
        memcpy(&n, at, 4);
        if (n < 5) return -1;
        size = n;
        break;
    case 0x05:  /* binary: length, subtype, bytes */
        if (left < 4) return -1;
        memcpy(&n, at, 4);
        if (n < 0) return -1;
        size = 5 + (Py_ssize_t)n;
        break;
    case 0x0B: {  /* regex: two C strings */
        const char *first = memchr(at, 0, left);
        if (first == NULL) return -1;
        const char *second = memchr(first + 1, 0, left - (first + 1 - at));
        if (second == NULL) return -1;
        size = second + 1 - at;
        break;
    }
    default: return -1;
    }
    return size <= left ? size : -1;
}

/* The elements of the document `data` of `size` bytes; -1 if malformed or too many. */
static Py_ssize_t elements_of(const char *data, Py_ssize_t size, Element *found) {
    const char *at = data + 4, *end = data + size - 1;  /* the closing NUL at `end` */
    Py_ssize_t count = 0;
    if (size < 5 || *end != 0) return -1;
    while (at < end) {
        if (count == MOST_ELEMENTS) return -1;
        Element *e = &found[count++];
        e->kind = (unsigned char)*at++;
        const char *nul = memchr(at, 0, end - at);
        if (nul == NULL) return -1;
        e->name = at;
        e->name_size = nul - at;
        e->value = nul + 1;
        Py_ssize_t value = value_size(e->kind, e->value, end - e->value);
        if (value < 0) return -1;
        at = e->value + value;
    }
    return at == end ? count : -1;
}

/* The element named `name`, the last if several (as a dict decodes them); NULL if none. */
static const Element *named(const Element *elements, Py_ssize_t count, const char *name,
                            Py_ssize_t size) {
    for (Py_ssize_t i = count - 1; i >= 0; i--)
        if (elements[i].name_size == size && memcmp(elements[i].name, name, size) == 0)
            return &elements[i];
    return NULL;
}

#define NAMED(elements, count, literal) named(elements, count, literal, sizeof(literal) - 1)

/* A string element's value as str; NULL (an error set) if it is not UTF-8. */
static PyObject *string_of(const Element *e) {
    int32_t n;
    memcpy(&n, e->value, 4);
    if (e->value[4 + n - 1] != 0) {
        PyErr_SetString(PyExc_ValueError, "a BSON string without its NUL");
        return NULL;
    }
    return PyUnicode_DecodeUTF8(e->value + 4, n - 1, NULL);
}

/* What bson decodes `e` (may be NULL: absent) to, for the kinds a scanned value holds
 * (DayScan.add reads event.get(name)); NULL with no error set for any other kind. */
static PyObject *plain_value(const Element *e, PyObject *int64) {
    if (e == NULL || e->kind == 0x0A)
        Py_RETURN_NONE;
    switch (e->kind) {
    case 0x01: {
        double d;
        memcpy(&d, e->value, 8);
        return PyFloat_FromDouble(d);
    }
    case 0x10: {
        int32_t i;
        memcpy(&i, e->value, 4);
        return PyLong_FromLong(i);
    }
    case 0x12: {
        int64_t i;
        memcpy(&i, e->value, 8);
        PyObject *whole = PyLong_FromLongLong(i);
        if (whole == NULL) return NULL;
        PyObject *value = PyObject_CallOneArg(int64, whole);
        Py_DECREF(whole);
        return value;
    }
    case 0x08:
        if (e->value[0] == 0) Py_RETURN_FALSE;
        if (e->value[0] == 1) Py_RETURN_TRUE;
        return NULL;  /* not a bool bson reads */
    case 0x02: case 0x0E:  /* a string; a symbol (deprecated), which bson reads as str */
        return string_of(e);
    default:
        return NULL;
    }
}

/* rows[key] += [row], the list made if absent. */
static int append_row(PyObject *rows_by, PyObject *key, PyObject *row) {
    PyObject *rows = PyDict_GetItemWithError(rows_by, key);
    if (rows != NULL)
        return PyList_Append(rows, row);
    if (PyErr_Occurred())
        return -1;
    rows = PyList_New(1);
    if (rows == NULL)
        return -1;
    Py_INCREF(row);
    PyList_SET_ITEM(rows, 0, row);
    int failed = PyDict_SetItem(rows_by, key, rows);
    Py_DECREF(rows);
    return failed;
}

enum { EVENT_ADDED, EVENT_SKIPPED, EVENT_IN_PYTHON };

/* DayScan.add of the event of `elements`: added, skipped (no str type) or left to Python;
 * -1 on error. */
static int scan_event(const Element *elements, Py_ssize_t count, PyObject *owners,
                      PyObject *shapes, PyObject *int64) {
    const Element *kind = NAMED(elements, count, "type");
    if (kind == NULL || (kind->kind != 0x02 && kind->kind != 0x0E))
        return EVENT_SKIPPED;  /* DayScan.add counts no event without a str type */
    PyObject *type = NULL, *values = NULL, *rate = NULL, *row = NULL, *company = NULL,
             *user = NULL, *owner = NULL, *buckets = NULL;
    int outcome = -1;
    if ((type = string_of(kind)) == NULL)
        goto in_python;
    PyObject *shape = PyDict_GetItemWithError(shapes, type);
    if (shape == NULL && PyErr_Occurred())
        goto done;
    PyObject *names = shape ? PyTuple_GET_ITEM(shape, 0) : NULL;
    Py_ssize_t fields = names ? PyTuple_GET_SIZE(names) : 0;
    if ((values = PyTuple_New(fields)) == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < fields; i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i);
        PyObject *value = plain_value(named(elements, count, PyBytes_AS_STRING(name),
                                            PyBytes_GET_SIZE(name)), int64);
        if (value == NULL)
            goto in_python;
        PyTuple_SET_ITEM(values, i, value);
    }
    const Element *success = NAMED(elements, count, "success");
    int succeeded = shape && PyObject_IsTrue(PyTuple_GET_ITEM(shape, 1)) && success
                    && success->kind == 0x08 && success->value[0] == 1;
    if ((rate = plain_value(NAMED(elements, count, "sample_rate"), int64)) == NULL
            || (company = plain_value(NAMED(elements, count, "company_id"), int64)) == NULL
            || (user = plain_value(NAMED(elements, count, "user_id"), int64)) == NULL)
        goto in_python;
    if ((row = PyTuple_Pack(3, values, succeeded ? Py_True : Py_False, rate)) == NULL
            || (owner = PyTuple_Pack(2, company, user)) == NULL)
        goto done;
    buckets = PyDict_GetItemWithError(owners, owner);
    if (buckets != NULL) {
        Py_INCREF(buckets);
    } else {
        if (PyErr_Occurred() || (buckets = PyDict_New()) == NULL
                || PyDict_SetItem(owners, owner, buckets) < 0)
            goto done;
    }
    if (append_row(buckets, type, row) < 0)
        goto done;
    outcome = EVENT_ADDED;
    goto done;
in_python:
    if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_ValueError)) {
        PyErr_Clear();  /* not UTF-8 or another kind: bson's decoding says */
        outcome = EVENT_IN_PYTHON;
    }
done:
    Py_XDECREF(type);
    Py_XDECREF(values);
    Py_XDECREF(rate);
    Py_XDECREF(row);
    Py_XDECREF(company);
    Py_XDECREF(user);
    Py_XDECREF(owner);
    Py_XDECREF(buckets);
    return outcome;
}

static PyObject *scan_batch(PyObject *self, PyObject *args) {
    Py_buffer batch;
    PyObject *owners, *shapes, *int64, *other;
    if (!PyArg_ParseTuple(args, "y*O!O!OO", &batch, &PyDict_Type, &owners, &PyDict_Type,
                          &shapes, &int64, &other))
        return NULL;
    Element *elements = PyMem_Malloc(MOST_ELEMENTS * sizeof(Element));
    if (elements == NULL) {
        PyBuffer_Release(&batch);
        return PyErr_NoMemory();
    }
    const char *at = batch.buf, *end = at + batch.len;
    long added = 0;
    PyObject *result = NULL;
    while (at < end) {
        int32_t size = 0;
        if (end - at < 5 || (memcpy(&size, at, 4), size < 5) || size > end - at) {
            PyErr_SetString(PyExc_ValueError, "a batch of BSON documents cut short");
            goto done;
        }
        Py_ssize_t count = elements_of(at, size, elements);
        int outcome = count < 0 ? EVENT_IN_PYTHON
                                : scan_event(elements, count, owners, shapes, int64);
        if (outcome < 0)
            goto done;
        if (outcome == EVENT_ADDED)
            added++;
        if (outcome == EVENT_IN_PYTHON) {
            PyObject *added_there = PyObject_CallFunction(other, "y#", at, (Py_ssize_t)size);
            if (added_there == NULL)
                goto done;
            Py_DECREF(added_there);
        }
        at += size;
    }
    result = PyLong_FromLong(added);
done:
    PyMem_Free(elements);
    PyBuffer_Release(&batch);
    return result;
}

static PyObject *configure(PyObject *self, PyObject *args) {
    PyObject *empty;
    if (!PyArg_ParseTuple(args, "ddS", &multiplier, &smallest, &empty))
        return NULL;
    Py_INCREF(empty);
    Py_XSETREF(empty_field, empty);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"document", document, METH_VARARGS,
     "document(document_id, user, mine, kinds, between, after, other) -> bytes"},
    {"scan_batch", scan_batch, METH_VARARGS,
     "scan_batch(batch, owners, shapes, int64, other) -> int: the events added"},
    {"configure", configure, METH_VARARGS,
     "configure(multiplier, smallest, empty_field): the sketch mapping's, the empty field's BSON"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_rollup", NULL, -1, methods};

PyMODINIT_FUNC PyInit__rollup(void) { return PyModule_Create(&module); }
