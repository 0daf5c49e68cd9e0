/* The players' day documents encoded to BSON in C: see encoded.py.
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
        int done = put_field(b, PyTuple_GET_ITEM(values, i));
        if (done < 0)
            return -1;
        if (done == FIELD_OFF_PATH) {
            b->size = start;
            return 0;
        }
        if (done == FIELD_EMPTY && put_bytes(b, empty_field) < 0)
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
            int done = put_one_event(b, kind, row, user);
            if (done != 0)
                return done < 0 ? -1 : 0;
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
    {"configure", configure, METH_VARARGS,
     "configure(multiplier, smallest, empty_field): the sketch mapping's, the empty field's BSON"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_players", NULL, -1, methods};

PyMODINIT_FUNC PyInit__players(void) { return PyModule_Create(&module); }
