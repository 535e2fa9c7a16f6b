/*
 * kcli.console._native: the console consumer's and producer's per-record loops in C.
 *
 * Python builds one Python object per record when it goes through confluent-kafka; these loops do not. The
 * consumer drains a batch from librdkafka and lays every record out into one output buffer following a small
 * program (a list of ops compiled by kcli.console.formatters); the producer splits input chunks into lines the
 * way Java's readLine does and hands each to librdkafka, counting failed deliveries in its delivery callback.
 *
 * librdkafka is the one confluent-kafka's wheel ships: kcli.console.native finds the file and load() opens it
 * with dlopen, so this module builds with nothing but a C compiler and Python's headers. The wheel ships no
 * rdkafka.h, so the few types and functions of librdkafka's public, stable C API used here are declared below.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

/* ---- librdkafka's C API, the parts used here ------------------------------------------------------------ */

enum {
    ERR_NO_ERROR = 0,
    ERR_FATAL = -150,
    ERR_PARTITION_EOF = -191,
    ERR_QUEUE_FULL = -184,
    TYPE_PRODUCER = 0,
    TYPE_CONSUMER = 1,
    MSG_F_COPY = 0x2,
    TS_CREATE = 1,
    TS_LOG_APPEND = 2,
};

typedef struct {
    int err;
    void *rkt;
    int32_t partition;
    void *payload;
    size_t len;
    void *key;
    size_t key_len;
    int64_t offset;
    void *private_;
} rk_message;

typedef struct {
    char *topic;
    int32_t partition;
    int64_t offset;
    void *metadata;
    size_t metadata_size;
    void *opaque;
    int err;
    void *private_;
} rk_partition;

typedef struct {
    int cnt;
    int size;
    rk_partition *elems;
} rk_partition_list;

typedef struct {
    int32_t id;
    int err;
    int32_t leader;
    int replica_cnt;
    int32_t *replicas;
    int isr_cnt;
    int32_t *isrs;
} rk_md_partition;

typedef struct {
    char *topic;
    int partition_cnt;
    rk_md_partition *partitions;
    int err;
} rk_md_topic;

typedef struct {
    int broker_cnt;
    void *brokers;
    int topic_cnt;
    rk_md_topic *topics;
    int32_t orig_broker_id;
    char *orig_broker_name;
} rk_metadata;

typedef void (*dr_cb_t)(void *rk, const rk_message *msg, void *opaque);

static struct {
    void *lib;
    int (*version)(void);
    void *(*conf_new)(void);
    int (*conf_set)(void *conf, const char *name, const char *value, char *errstr, size_t size);
    void (*conf_destroy)(void *conf);
    void (*conf_set_dr_msg_cb)(void *conf, dr_cb_t cb);
    void (*conf_set_opaque)(void *conf, void *opaque);
    void *(*new_handle)(int type, void *conf, char *errstr, size_t size);
    void (*destroy)(void *rk);
    int (*poll_set_consumer)(void *rk);
    void *(*queue_get_consumer)(void *rk);
    void (*queue_destroy)(void *q);
    ssize_t (*consume_batch_queue)(void *q, int timeout_ms, rk_message **msgs, size_t size);
    void (*message_destroy)(rk_message *msg);
    int64_t (*message_timestamp)(const rk_message *msg, int *tstype);
    int (*message_headers)(const rk_message *msg, void **hdrs);
    int (*header_get_all)(const void *hdrs, size_t idx, const char **name, const void **value, size_t *size);
    const char *(*topic_name)(const void *rkt);
    const char *(*err2str)(int err);
    int (*fatal_error)(void *rk, char *errstr, size_t size);
    rk_partition_list *(*list_new)(int size);
    rk_partition *(*list_add)(rk_partition_list *list, const char *topic, int32_t partition);
    void (*list_destroy)(rk_partition_list *list);
    int (*assign)(void *rk, const rk_partition_list *list);
    int (*position)(void *rk, rk_partition_list *list);
    int (*consumer_close)(void *rk);
    void *(*topic_new)(void *rk, const char *topic, void *conf);
    void (*topic_destroy)(void *rkt);
    int (*produce)(void *rkt, int32_t partition, int flags, void *payload, size_t len, const void *key,
                   size_t keylen, void *opaque);
    int (*last_error)(void);
    int (*poll)(void *rk, int timeout_ms);
    int (*flush)(void *rk, int timeout_ms);
    int (*outq_len)(void *rk);
    int (*metadata)(void *rk, int all_topics, void *only_rkt, const rk_metadata **md, int timeout_ms);
    void (*metadata_destroy)(const rk_metadata *md);
    int (*offsets_for_times)(void *rk, rk_partition_list *list, int timeout_ms);
    int (*query_watermark_offsets)(void *rk, const char *topic, int32_t partition, int64_t *low, int64_t *high,
                                   int timeout_ms);
} rk;

static PyObject *NativeError;  /* librdkafka refused something; the message is its own text */

#define LOOKUP(field, name)                                                                      \
    do {                                                                                         \
        *(void **)(&rk.field) = dlsym(lib, name);                                                \
        if (!rk.field) {                                                                         \
            PyErr_Format(PyExc_ImportError, "%s has no %s", path, name);                         \
            dlclose(lib);                                                                        \
            return NULL;                                                                         \
        }                                                                                        \
    } while (0)

static PyObject *load(PyObject *self, PyObject *args) {
    const char *path;
    if (!PyArg_ParseTuple(args, "s", &path))
        return NULL;
    if (rk.lib)
        return PyLong_FromLong(rk.version());
    void *lib = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
        PyErr_Format(PyExc_ImportError, "cannot open librdkafka: %s", dlerror());
        return NULL;
    }
    LOOKUP(version, "rd_kafka_version");
    LOOKUP(conf_new, "rd_kafka_conf_new");
    LOOKUP(conf_set, "rd_kafka_conf_set");
    LOOKUP(conf_destroy, "rd_kafka_conf_destroy");
    LOOKUP(conf_set_dr_msg_cb, "rd_kafka_conf_set_dr_msg_cb");
    LOOKUP(conf_set_opaque, "rd_kafka_conf_set_opaque");
    LOOKUP(new_handle, "rd_kafka_new");
    LOOKUP(destroy, "rd_kafka_destroy");
    LOOKUP(poll_set_consumer, "rd_kafka_poll_set_consumer");
    LOOKUP(queue_get_consumer, "rd_kafka_queue_get_consumer");
    LOOKUP(queue_destroy, "rd_kafka_queue_destroy");
    LOOKUP(consume_batch_queue, "rd_kafka_consume_batch_queue");
    LOOKUP(message_destroy, "rd_kafka_message_destroy");
    LOOKUP(message_timestamp, "rd_kafka_message_timestamp");
    LOOKUP(message_headers, "rd_kafka_message_headers");
    LOOKUP(header_get_all, "rd_kafka_header_get_all");
    LOOKUP(topic_name, "rd_kafka_topic_name");
    LOOKUP(err2str, "rd_kafka_err2str");
    LOOKUP(fatal_error, "rd_kafka_fatal_error");
    LOOKUP(list_new, "rd_kafka_topic_partition_list_new");
    LOOKUP(list_add, "rd_kafka_topic_partition_list_add");
    LOOKUP(list_destroy, "rd_kafka_topic_partition_list_destroy");
    LOOKUP(assign, "rd_kafka_assign");
    LOOKUP(position, "rd_kafka_position");
    LOOKUP(consumer_close, "rd_kafka_consumer_close");
    LOOKUP(topic_new, "rd_kafka_topic_new");
    LOOKUP(topic_destroy, "rd_kafka_topic_destroy");
    LOOKUP(produce, "rd_kafka_produce");
    LOOKUP(last_error, "rd_kafka_last_error");
    LOOKUP(poll, "rd_kafka_poll");
    LOOKUP(flush, "rd_kafka_flush");
    LOOKUP(outq_len, "rd_kafka_outq_len");
    LOOKUP(metadata, "rd_kafka_metadata");
    LOOKUP(metadata_destroy, "rd_kafka_metadata_destroy");
    LOOKUP(offsets_for_times, "rd_kafka_offsets_for_times");
    LOOKUP(query_watermark_offsets, "rd_kafka_query_watermark_offsets");
    rk.lib = lib;
    return PyLong_FromLong(rk.version());
}

static int loaded(void) {
    if (!rk.lib) {
        PyErr_SetString(PyExc_RuntimeError, "librdkafka is not loaded (call load() first)");
        return 0;
    }
    return 1;
}

/* A handle from a list of (name, value) settings; NULL with NativeError set (librdkafka's words) if refused. */
static void *new_client(int type, PyObject *settings, void *opaque, dr_cb_t dr_cb) {
    char errstr[512];
    PyObject *seq = PySequence_Fast(settings, "settings must be a sequence of (name, value) pairs");
    if (!seq)
        return NULL;
    void *conf = rk.conf_new();
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *name, *value;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "ss", &name, &value)) {
            rk.conf_destroy(conf);
            Py_DECREF(seq);
            return NULL;
        }
        if (rk.conf_set(conf, name, value, errstr, sizeof errstr) != 0) {
            PyErr_SetString(NativeError, errstr);
            rk.conf_destroy(conf);
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    if (opaque)
        rk.conf_set_opaque(conf, opaque);
    if (dr_cb)
        rk.conf_set_dr_msg_cb(conf, dr_cb);
    void *handle = rk.new_handle(type, conf, errstr, sizeof errstr);  /* owns conf on success */
    if (!handle) {
        rk.conf_destroy(conf);
        PyErr_SetString(NativeError, errstr);
    }
    return handle;
}

/* ---- an output buffer -------------------------------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len, cap;
} Buffer;

static int grow(Buffer *b, size_t more) {
    if (b->len + more <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < b->len + more)
        cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data)
        return 0;
    b->data = data;
    b->cap = cap;
    return 1;
}

static inline int put(Buffer *b, const void *data, size_t len) {
    if (!grow(b, len))
        return 0;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    return 1;
}

static inline int put_long(Buffer *b, int64_t value) {
    char tmp[24];
    char *end = tmp + sizeof tmp, *p = end;
    uint64_t v = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (value < 0)
        *--p = '-';
    return put(b, p, (size_t)(end - p));
}

/* ---- the consumer: a layout program and a drain loop ------------------------------------------------ */

/* The op kinds; kcli.console.formatters compiles a formatter into a list of (kind, a, b, c, d) tuples. */
enum {
    OP_LITERAL = 0,     /* a */
    OP_TOPIC = 1,
    OP_PARTITION = 2,
    OP_OFFSET = 3,
    OP_KEY = 4,         /* a: what a null key prints */
    OP_VALUE = 5,       /* a: what a null value prints */
    OP_KEY_LENGTH = 6,  /* -1 for null */
    OP_VALUE_LENGTH = 7,
    OP_TIMESTAMP = 8,   /* the number (-1 when there is none) */
    OP_TIMESTAMP_TYPED = 9,  /* a + number for CreateTime, b + number for LogAppendTime, else c */
    OP_HEADERS = 10,    /* name a value, pairs joined by b, c for a null value, d when there are none */
    OP_KINDS = 11,
};

typedef struct {
    int kind;
    PyObject *bytes[4];
} Op;

#define NO_STOP INT64_MAX

typedef struct {
    PyObject_HEAD
    void *rk;
    void *queue;
    Op *ops;
    Py_ssize_t nops;
    int32_t nparts;      /* size of the per-partition arrays: the highest partition assigned + 1 */
    int64_t *stops;      /* the first offset not printed, NO_STOP for none */
    char *owned, *done;
    int bounded;         /* stops are watched: the drain reports when every owned partition is done */
    int eof_ends;        /* --exit-at-end: a partition-EOF event ends its partition */
    Buffer out;
    rk_message **msgs;
    size_t msgs_cap;
} Consumer;

static void consumer_free_ops(Consumer *c) {
    for (Py_ssize_t i = 0; i < c->nops; i++)
        for (int j = 0; j < 4; j++)
            Py_XDECREF(c->ops[i].bytes[j]);
    PyMem_Free(c->ops);
    c->ops = NULL;
    c->nops = 0;
}

static void consumer_shut(Consumer *c) {
    if (!c->rk)
        return;
    Py_BEGIN_ALLOW_THREADS
    rk.queue_destroy(c->queue);
    rk.consumer_close(c->rk);
    rk.destroy(c->rk);
    Py_END_ALLOW_THREADS
    c->rk = c->queue = NULL;
}

static void consumer_dealloc(Consumer *c) {
    consumer_shut(c);
    consumer_free_ops(c);
    free(c->stops);
    free(c->owned);
    free(c->done);
    free(c->out.data);
    free(c->msgs);
    Py_TYPE(c)->tp_free((PyObject *)c);
}

static int consumer_init(Consumer *c, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"settings", NULL};
    PyObject *settings;
    if (!loaded() || !PyArg_ParseTupleAndKeywords(args, kwargs, "O", names, &settings))
        return -1;
    if (c->rk) {
        PyErr_SetString(PyExc_RuntimeError, "already initialised");
        return -1;
    }
    c->rk = new_client(TYPE_CONSUMER, settings, NULL, NULL);
    if (!c->rk)
        return -1;
    rk.poll_set_consumer(c->rk);
    c->queue = rk.queue_get_consumer(c->rk);
    return 0;
}

static int consumer_open(Consumer *c) {
    if (!c->rk) {
        PyErr_SetString(PyExc_RuntimeError, "the consumer is closed");
        return 0;
    }
    return 1;
}

/* program(ops): the layout of one record. */
static PyObject *consumer_program(Consumer *c, PyObject *arg) {
    PyObject *seq = PySequence_Fast(arg, "ops must be a sequence");
    if (!seq)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    Op *ops = PyMem_Calloc(n ? (size_t)n : 1, sizeof(Op));
    if (!ops) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        Op *op = &ops[i];
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "iSSSS", &op->kind, &op->bytes[0], &op->bytes[1],
                              &op->bytes[2], &op->bytes[3]) || op->kind < 0 || op->kind >= OP_KINDS) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_ValueError, "op %zd: unknown kind %d", i, op->kind);
            for (Py_ssize_t k = 0; k < i; k++)
                for (int j = 0; j < 4; j++)
                    Py_DECREF(ops[k].bytes[j]);
            PyMem_Free(ops);
            Py_DECREF(seq);
            return NULL;
        }
        for (int j = 0; j < 4; j++)
            Py_INCREF(op->bytes[j]);
    }
    Py_DECREF(seq);
    consumer_free_ops(c);
    c->ops = ops;
    c->nops = n;
    Py_RETURN_NONE;
}

/* assign(topic, [(partition, start offset, stop offset or -1, done), ...], eof_ends): read these partitions;
   a done one has nothing left to print (it started at or past its stop). */
static PyObject *consumer_assign(Consumer *c, PyObject *args) {
    const char *topic;
    PyObject *parts;
    int eof_ends;
    if (!consumer_open(c) || !PyArg_ParseTuple(args, "sOp", &topic, &parts, &eof_ends))
        return NULL;
    PyObject *seq = PySequence_Fast(parts, "partitions must be a sequence");
    if (!seq)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    int32_t nparts = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int p, done;
        long long start, stop;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "iLLp", &p, &start, &stop, &done) || p < 0) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "a partition is not negative");
            Py_DECREF(seq);
            return NULL;
        }
        if (p + 1 > nparts)
            nparts = p + 1;
    }
    free(c->stops);
    free(c->owned);
    free(c->done);
    c->nparts = nparts;
    c->stops = malloc(sizeof(int64_t) * (size_t)(nparts ? nparts : 1));
    c->owned = calloc((size_t)(nparts ? nparts : 1), 1);
    c->done = calloc((size_t)(nparts ? nparts : 1), 1);
    if (!c->stops || !c->owned || !c->done) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    for (int32_t p = 0; p < nparts; p++)
        c->stops[p] = NO_STOP;
    c->bounded = 0;
    c->eof_ends = eof_ends;
    rk_partition_list *list = rk.list_new((int)n);
    for (Py_ssize_t i = 0; i < n; i++) {
        int p, done;
        long long start, stop;
        PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "iLLp", &p, &start, &stop, &done);
        rk.list_add(list, topic, p)->offset = start;
        c->owned[p] = 1;
        c->done[p] = (char)done;
        if (stop >= 0) {
            c->stops[p] = stop;
            c->bounded = 1;
        }
    }
    if (eof_ends)
        c->bounded = 1;
    Py_DECREF(seq);
    int err;
    Py_BEGIN_ALLOW_THREADS
    err = rk.assign(c->rk, list);
    Py_END_ALLOW_THREADS
    rk.list_destroy(list);
    if (err) {
        PyErr_SetString(NativeError, rk.err2str(err));
        return NULL;
    }
    Py_RETURN_NONE;
}

static inline void mark_done(Consumer *c, int32_t p) {
    if (p >= 0 && p < c->nparts)
        c->done[p] = 1;
}

static int complete(Consumer *c) {
    if (!c->bounded)
        return 0;
    for (int32_t p = 0; p < c->nparts; p++)
        if (c->owned[p] && !c->done[p])
            return 0;
    return 1;
}

/* Nothing arrived: a partition whose position passed its stop (over transaction markers, say) is done. */
static void check_positions(Consumer *c, const char *topic) {
    rk_partition_list *list = rk.list_new(1);
    for (int32_t p = 0; p < c->nparts; p++)
        if (c->owned[p] && !c->done[p] && c->stops[p] != NO_STOP)
            rk.list_add(list, topic, p);
    if (list->cnt && rk.position(c->rk, list) == ERR_NO_ERROR)
        for (int i = 0; i < list->cnt; i++)
            if (list->elems[i].offset >= 0 && list->elems[i].offset >= c->stops[list->elems[i].partition])
                mark_done(c, list->elems[i].partition);
    rk.list_destroy(list);
}

static int lay_out(Consumer *c, const rk_message *m) {
    Buffer *b = &c->out;
    for (Py_ssize_t i = 0; i < c->nops; i++) {
        const Op *op = &c->ops[i];
        PyObject **x = (PyObject **)op->bytes;
        int ok = 1;
        switch (op->kind) {
        case OP_LITERAL:
            ok = put(b, PyBytes_AS_STRING(x[0]), (size_t)PyBytes_GET_SIZE(x[0]));
            break;
        case OP_TOPIC: {
            const char *name = rk.topic_name(m->rkt);
            ok = put(b, name, strlen(name));
            break;
        }
        case OP_PARTITION:
            ok = put_long(b, m->partition);
            break;
        case OP_OFFSET:
            ok = put_long(b, m->offset);
            break;
        case OP_KEY:
            ok = m->key ? put(b, m->key, m->key_len)
                        : put(b, PyBytes_AS_STRING(x[0]), (size_t)PyBytes_GET_SIZE(x[0]));
            break;
        case OP_VALUE:
            ok = m->payload ? put(b, m->payload, m->len)
                            : put(b, PyBytes_AS_STRING(x[0]), (size_t)PyBytes_GET_SIZE(x[0]));
            break;
        case OP_KEY_LENGTH:
            ok = put_long(b, m->key ? (int64_t)m->key_len : -1);
            break;
        case OP_VALUE_LENGTH:
            ok = put_long(b, m->payload ? (int64_t)m->len : -1);
            break;
        case OP_TIMESTAMP: {
            int type;
            ok = put_long(b, rk.message_timestamp(m, &type));
            break;
        }
        case OP_TIMESTAMP_TYPED: {
            int type;
            int64_t ts = rk.message_timestamp(m, &type);
            if (type == TS_CREATE || type == TS_LOG_APPEND) {
                PyObject *prefix = x[type == TS_CREATE ? 0 : 1];
                ok = put(b, PyBytes_AS_STRING(prefix), (size_t)PyBytes_GET_SIZE(prefix)) && put_long(b, ts);
            } else {
                ok = put(b, PyBytes_AS_STRING(x[2]), (size_t)PyBytes_GET_SIZE(x[2]));
            }
            break;
        }
        case OP_HEADERS: {
            void *hdrs = NULL;
            const char *name;
            const void *value;
            size_t size, idx = 0;
            if (rk.message_headers(m, &hdrs) == ERR_NO_ERROR && hdrs)
                for (; rk.header_get_all(hdrs, idx, &name, &value, &size) == ERR_NO_ERROR; idx++) {
                    if (idx)
                        ok = ok && put(b, PyBytes_AS_STRING(x[1]), (size_t)PyBytes_GET_SIZE(x[1]));
                    ok = ok && put(b, name, strlen(name)) &&
                         put(b, PyBytes_AS_STRING(x[0]), (size_t)PyBytes_GET_SIZE(x[0]));
                    ok = ok && (value ? put(b, value, size)
                                      : put(b, PyBytes_AS_STRING(x[2]), (size_t)PyBytes_GET_SIZE(x[2])));
                }
            if (!idx)
                ok = put(b, PyBytes_AS_STRING(x[3]), (size_t)PyBytes_GET_SIZE(x[3]));
            break;
        }
        }
        if (!ok)
            return 0;
    }
    return 1;
}

/* The error text of an error event: its payload when it has one, else librdkafka's words for the code. */
static PyObject *event_text(const rk_message *m) {
    if (m->payload && m->len)
        return PyUnicode_DecodeUTF8(m->payload, (Py_ssize_t)m->len, "replace");
    return PyUnicode_FromString(rk.err2str(m->err));
}

/* Write the whole buffer to fd. 0: written; else the errno that stopped it (EPIPE: the reader went away). */
static int write_all(int fd, const char *data, size_t len) {
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd pfd = {.fd = fd, .events = POLLOUT};
                poll(&pfd, 1, 100);
                continue;
            }
            return errno;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* drain(want, wait_ms, topic, fd) -> (records printed, records seen, [(error text, fatal)], complete, closed)

   Takes what is queued (up to `want` records), else waits up to wait_ms for one; lays out every record before
   its partition's stop and writes them to fd in one go (closed: its reader went away); partitions reaching their
   stop (or their end, with eof_ends) are done. */
static PyObject *consumer_drain(Consumer *c, PyObject *args) {
    Py_ssize_t want;
    int wait_ms, fd, write_error = 0;
    const char *topic;
    if (!consumer_open(c) || !PyArg_ParseTuple(args, "nisi", &want, &wait_ms, &topic, &fd))
        return NULL;
    if (want < 1)
        want = 1;
    if ((size_t)want > c->msgs_cap) {
        rk_message **msgs = realloc(c->msgs, sizeof(rk_message *) * (size_t)want);
        if (!msgs)
            return PyErr_NoMemory();
        c->msgs = msgs;
        c->msgs_cap = (size_t)want;
    }
    ssize_t n;
    Py_ssize_t printed = 0, seen = 0;
    int memory = 1;
    c->out.len = 0;
    Py_BEGIN_ALLOW_THREADS
    n = rk.consume_batch_queue(c->queue, 0, c->msgs, (size_t)want);
    if (n == 0 && wait_ms > 0)
        n = rk.consume_batch_queue(c->queue, wait_ms, c->msgs, 1);
    if (n == 0 && c->bounded)
        check_positions(c, topic);
    for (ssize_t i = 0; i < n && memory; i++) {
        const rk_message *m = c->msgs[i];
        if (m->err)
            continue;
        seen++;
        int32_t p = m->partition;
        if (c->bounded && p >= 0 && p < c->nparts && c->stops[p] != NO_STOP) {
            if (m->offset >= c->stops[p]) {
                c->done[p] = 1;
                continue;
            }
            if (m->offset + 1 >= c->stops[p])
                c->done[p] = 1;
        }
        memory = lay_out(c, m);
        printed++;
    }
    Py_END_ALLOW_THREADS
    PyObject *errors = PyList_New(0);
    for (ssize_t i = 0; i < n && errors; i++) {
        rk_message *m = c->msgs[i];
        if (m->err == ERR_PARTITION_EOF) {
            if (c->eof_ends)
                mark_done(c, m->partition);
        } else if (m->err) {
            int fatal = m->err == ERR_FATAL;
            PyObject *text;
            if (fatal) {
                char errstr[512];
                rk.fatal_error(c->rk, errstr, sizeof errstr);
                text = PyUnicode_DecodeUTF8(errstr, (Py_ssize_t)strlen(errstr), "replace");
            } else {
                text = event_text(m);
            }
            PyObject *item = text ? Py_BuildValue("(NO)", text, fatal ? Py_True : Py_False) : NULL;
            if (!item || PyList_Append(errors, item) < 0)
                Py_CLEAR(errors);
            Py_XDECREF(item);
        }
    }
    Py_BEGIN_ALLOW_THREADS
    if (memory && c->out.len)
        write_error = write_all(fd, c->out.data, c->out.len);
    for (ssize_t i = 0; i < n; i++)
        rk.message_destroy(c->msgs[i]);
    Py_END_ALLOW_THREADS
    if (c->out.cap > (64u << 20)) {  /* one huge batch: do not keep its memory */
        free(c->out.data);
        c->out.data = NULL;
        c->out.cap = 0;
    }
    if (!memory) {
        Py_XDECREF(errors);
        return PyErr_NoMemory();
    }
    if (!errors)
        return NULL;
    if (write_error && write_error != EPIPE) {
        Py_DECREF(errors);
        errno = write_error;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    return Py_BuildValue("(nnNOO)", printed, seen, errors, complete(c) ? Py_True : Py_False,
                         write_error ? Py_True : Py_False);
}

/* partition_ids(topic, timeout_ms) -> ([partition ids], None) or ([], why the broker has no such topic);
   NativeError when the broker did not answer. (The answer also tells the client the partitions' leaders: a
   partition assigned before that waits for librdkafka's offset query timer, half a second.) */
static PyObject *consumer_partition_ids(Consumer *c, PyObject *args) {
    const char *topic;
    int timeout_ms, err = 0;
    const rk_metadata *md = NULL;
    if (!consumer_open(c) || !PyArg_ParseTuple(args, "si", &topic, &timeout_ms))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    void *rkt = rk.topic_new(c->rk, topic, NULL);
    if (rkt) {
        err = rk.metadata(c->rk, 0, rkt, &md, timeout_ms);
        rk.topic_destroy(rkt);
    } else {
        err = rk.last_error();
    }
    Py_END_ALLOW_THREADS
    if (err != ERR_NO_ERROR || !md) {
        PyErr_Format(NativeError, "Failed to get metadata: %s", rk.err2str(err));
        return NULL;
    }
    PyObject *ids = PyList_New(0);
    PyObject *why = Py_NewRef(Py_None);
    for (int t = 0; ids && t < md->topic_cnt; t++) {
        const rk_md_topic *info = &md->topics[t];
        if (strcmp(info->topic, topic) != 0)
            continue;
        if (info->err) {
            Py_SETREF(why, PyUnicode_FromString(rk.err2str(info->err)));
            break;
        }
        for (int i = 0; i < info->partition_cnt; i++) {
            PyObject *id = PyLong_FromLong(info->partitions[i].id);
            if (!id || PyList_Append(ids, id) < 0)
                Py_CLEAR(ids);
            Py_XDECREF(id);
            if (!ids)
                break;
        }
    }
    rk.metadata_destroy(md);
    if (!ids || !why || PyList_Sort(ids) < 0) {
        Py_XDECREF(ids);
        Py_XDECREF(why);
        return NULL;
    }
    return Py_BuildValue("(NN)", ids, why);
}

/* offsets_for_times([(topic, partition, timestamp)], timeout_ms) -> [(topic, partition, offset, error or None)]:
   ListOffsets (timestamp -1: the end offset, -2: the start). NativeError when the request failed. */
static PyObject *consumer_offsets_for_times(Consumer *c, PyObject *args) {
    PyObject *keys;
    int timeout_ms, err;
    if (!consumer_open(c) || !PyArg_ParseTuple(args, "Oi", &keys, &timeout_ms))
        return NULL;
    PyObject *seq = PySequence_Fast(keys, "keys must be a sequence of (topic, partition, timestamp)");
    if (!seq)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    rk_partition_list *list = rk.list_new((int)(n ? n : 1));
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *topic;
        int p;
        long long ts;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "siL", &topic, &p, &ts)) {
            rk.list_destroy(list);
            Py_DECREF(seq);
            return NULL;
        }
        rk.list_add(list, topic, p)->offset = ts;
    }
    Py_DECREF(seq);
    Py_BEGIN_ALLOW_THREADS
    err = n ? rk.offsets_for_times(c->rk, list, timeout_ms) : ERR_NO_ERROR;
    Py_END_ALLOW_THREADS
    if (err) {
        rk.list_destroy(list);
        PyErr_SetString(NativeError, rk.err2str(err));
        return NULL;
    }
    PyObject *out = PyList_New(list->cnt);
    for (int i = 0; out && i < list->cnt; i++) {
        const rk_partition *e = &list->elems[i];
        PyObject *item = e->err ? Py_BuildValue("(siLs)", e->topic, (int)e->partition, (long long)e->offset,
                                                 rk.err2str(e->err))
                                : Py_BuildValue("(siLO)", e->topic, (int)e->partition, (long long)e->offset,
                                                 Py_None);
        if (!item)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, i, item);
    }
    rk.list_destroy(list);
    return out;
}

/* watermarks(topic, partition, timeout_ms) -> (low, high); NativeError when the request failed. */
static PyObject *consumer_watermarks(Consumer *c, PyObject *args) {
    const char *topic;
    int partition, timeout_ms, err;
    int64_t low = -1, high = -1;
    if (!consumer_open(c) || !PyArg_ParseTuple(args, "sii", &topic, &partition, &timeout_ms))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    err = rk.query_watermark_offsets(c->rk, topic, partition, &low, &high, timeout_ms);
    Py_END_ALLOW_THREADS
    if (err) {
        PyErr_SetString(NativeError, rk.err2str(err));
        return NULL;
    }
    return Py_BuildValue("(LL)", (long long)low, (long long)high);
}

static PyObject *consumer_close(Consumer *c, PyObject *unused) {
    consumer_shut(c);
    Py_RETURN_NONE;
}

static PyMethodDef consumer_methods[] = {
    {"program", (PyCFunction)consumer_program, METH_O, "Set the layout of one record: a list of ops."},
    {"assign", (PyCFunction)consumer_assign, METH_VARARGS,
     "assign(topic, [(partition, start, stop or -1, done)], eof_ends): read these partitions of one topic."},
    {"drain", (PyCFunction)consumer_drain, METH_VARARGS,
     "drain(want, wait_ms, topic, fd) -> (printed, seen, [(error, fatal)], complete, closed): write to fd"},
    {"partition_ids", (PyCFunction)consumer_partition_ids, METH_VARARGS,
     "partition_ids(topic, timeout_ms) -> ([ids], None) or ([], why the topic is not there)"},
    {"offsets_for_times", (PyCFunction)consumer_offsets_for_times, METH_VARARGS,
     "offsets_for_times([(topic, partition, timestamp)], timeout_ms) -> [(topic, partition, offset, error)]"},
    {"watermarks", (PyCFunction)consumer_watermarks, METH_VARARGS,
     "watermarks(topic, partition, timeout_ms) -> (low, high)"},
    {"close", (PyCFunction)consumer_close, METH_NOARGS, "Leave and destroy the consumer (idempotent)."},
    {NULL},
};

static PyTypeObject ConsumerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "kcli.console._native.Consumer",
    .tp_basicsize = sizeof(Consumer),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A librdkafka consumer of one topic's assigned partitions that lays records out in C.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)consumer_init,
    .tp_dealloc = (destructor)consumer_dealloc,
    .tp_methods = consumer_methods,
};

/* ---- the producer: lines in, records out, failures counted ------------------------------------------ */

#define PREVIEW 60

typedef struct {
    int32_t partition;
    char reason[256];
    char preview[PREVIEW];
    int preview_len;  /* -1: a null value */
} Failure;

typedef struct {
    PyObject_HEAD
    void *rk;
    void *rkt;
    int32_t partition;   /* -1: the partitioner chooses */
    Buffer pending;      /* the start of a line the last chunk did not finish */
    int skip_lf;         /* the last chunk ended with \r: a \n first in the next one ends no line */
    long long sent, failed;
    Failure *failures;   /* the first `keep` failures since the last take_failures() */
    int nfailures, keep;
    PyObject *lines;     /* split_lines() only: where lines go instead of to Kafka */
    int stop_at_signal;  /* a signal handler raised while waiting for room */
} Producer;

static void note_failure(Producer *p, int32_t partition, int err, const void *value, size_t len) {
    p->failed++;
    if (p->nfailures >= p->keep)
        return;
    Failure *f = &p->failures[p->nfailures++];
    f->partition = partition;
    snprintf(f->reason, sizeof f->reason, "%s", rk.err2str(err));
    if (value) {
        f->preview_len = (int)(len < PREVIEW ? len : PREVIEW);
        memcpy(f->preview, value, (size_t)f->preview_len);
    } else {
        f->preview_len = -1;
    }
}

static void delivered(void *handle, const rk_message *m, void *opaque) {
    if (m->err)
        note_failure((Producer *)opaque, m->partition, m->err, m->payload, m->len);
}

static void producer_shut(Producer *p) {
    if (!p->rk)
        return;
    Py_BEGIN_ALLOW_THREADS
    if (p->rkt)
        rk.topic_destroy(p->rkt);
    rk.destroy(p->rk);
    Py_END_ALLOW_THREADS
    p->rk = p->rkt = NULL;
}

static void producer_dealloc(Producer *p) {
    producer_shut(p);
    free(p->pending.data);
    PyMem_Free(p->failures);
    Py_XDECREF(p->lines);
    Py_TYPE(p)->tp_free((PyObject *)p);
}

/* Producer(settings, topic, partition, keep): partition -1 lets the partitioner choose; the first `keep`
   failures between two take_failures() calls are kept with their reasons, all are counted. */
static int producer_init(Producer *p, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"settings", "topic", "partition", "keep", NULL};
    PyObject *settings;
    const char *topic;
    int partition = -1, keep = 21;
    if (!loaded() || !PyArg_ParseTupleAndKeywords(args, kwargs, "Os|ii", names, &settings, &topic, &partition,
                                                  &keep))
        return -1;
    if (p->rk) {
        PyErr_SetString(PyExc_RuntimeError, "already initialised");
        return -1;
    }
    p->partition = partition;
    p->keep = keep > 0 ? keep : 0;
    p->failures = PyMem_Calloc((size_t)(p->keep ? p->keep : 1), sizeof(Failure));
    if (!p->failures) {
        PyErr_NoMemory();
        return -1;
    }
    p->rk = new_client(TYPE_PRODUCER, settings, p, delivered);
    if (!p->rk)
        return -1;
    p->rkt = rk.topic_new(p->rk, topic, NULL);
    if (!p->rkt) {
        PyErr_SetString(NativeError, rk.err2str(rk.last_error()));
        producer_shut(p);
        return -1;
    }
    return 0;
}

/* Hand one line to librdkafka, waiting for room while its queue is full. 0: a signal handler raised. */
static int send_line(Producer *p, const char *line, size_t len) {
    if (p->lines) {  /* split_lines(): collect instead (the GIL is held then) */
        PyObject *item = PyBytes_FromStringAndSize(line, (Py_ssize_t)len);
        int ok = item && PyList_Append(p->lines, item) == 0;
        Py_XDECREF(item);
        return ok;
    }
    p->sent++;
    while (rk.produce(p->rkt, p->partition, MSG_F_COPY, (void *)line, len, NULL, 0, NULL) == -1) {
        int err = rk.last_error();
        if (err != ERR_QUEUE_FULL) {
            note_failure(p, p->partition, err, line, len);
            return 1;
        }
        rk.poll(p->rk, 50);
        PyGILState_STATE gil = PyGILState_Ensure();
        int raised = PyErr_CheckSignals() < 0;
        PyGILState_Release(gil);
        if (raised) {
            p->stop_at_signal = 1;
            return 0;
        }
    }
    return 1;
}

/* Split `data` into lines as Java's readLine does (\n, \r\n or \r end a line); the unfinished rest waits in
   `pending` for the next chunk (final: it is a line of its own). 0: stopped by a signal or out of memory. */
static int split(Producer *p, const char *data, size_t len, int final) {
    size_t pos = 0;
    if (p->skip_lf && len) {
        p->skip_lf = 0;
        if (data[0] == '\n')
            pos = 1;
    }
    int has_cr = memchr(data + pos, '\r', len - pos) != NULL;
    while (pos < len) {
        const char *start = data + pos, *end;
        if (has_cr) {
            end = start;
            while (end < data + len && *end != '\n' && *end != '\r')
                end++;
            if (end == data + len)
                end = NULL;
        } else {
            end = memchr(start, '\n', len - pos);
        }
        if (!end)
            break;
        size_t line_len = (size_t)(end - start);
        int ok;
        if (p->pending.len) {
            ok = put(&p->pending, start, line_len) && send_line(p, p->pending.data, p->pending.len);
            p->pending.len = 0;
        } else {
            ok = send_line(p, start, line_len);
        }
        if (!ok)
            return 0;
        pos += line_len + 1;
        if (*end == '\r') {
            if (pos < len) {
                if (data[pos] == '\n')
                    pos++;
            } else {
                p->skip_lf = 1;
            }
        }
    }
    if (pos < len && !put(&p->pending, data + pos, len - pos))
        return 0;
    if (final && p->pending.len) {
        int ok = send_line(p, p->pending.data, p->pending.len);
        p->pending.len = 0;
        return ok;
    }
    return 1;
}

/* send(chunk, final=False) -> records handed over so far. */
static PyObject *producer_send(Producer *p, PyObject *args) {
    Py_buffer chunk;
    int final = 0;
    if (!PyArg_ParseTuple(args, "y*|p", &chunk, &final))
        return NULL;
    if (!p->rk) {
        PyBuffer_Release(&chunk);
        PyErr_SetString(PyExc_RuntimeError, "the producer is closed");
        return NULL;
    }
    int ok;
    Py_BEGIN_ALLOW_THREADS
    ok = split(p, chunk.buf, (size_t)chunk.len, final);
    rk.poll(p->rk, 0);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&chunk);
    if (!ok) {
        if (p->stop_at_signal) {
            p->stop_at_signal = 0;
            PyErr_CheckSignals();  /* the handler raises again: its exception is the answer */
            if (!PyErr_Occurred())
                PyErr_SetNone(PyExc_KeyboardInterrupt);
            return NULL;
        }
        return PyErr_NoMemory();
    }
    return PyLong_FromLongLong(p->sent);
}

/* split_lines(chunks) -> lines: the splitting of send() without Kafka (for tests). */
static PyObject *producer_split_lines(Producer *p, PyObject *arg) {
    PyObject *seq = PySequence_Fast(arg, "chunks must be a sequence of bytes");
    if (!seq)
        return NULL;
    Py_XSETREF(p->lines, PyList_New(0));
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    int ok = p->lines != NULL;
    for (Py_ssize_t i = 0; i < n && ok; i++) {
        PyObject *chunk = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyBytes_Check(chunk)) {
            PyErr_SetString(PyExc_TypeError, "chunks must be bytes");
            ok = 0;
            break;
        }
        ok = split(p, PyBytes_AS_STRING(chunk), (size_t)PyBytes_GET_SIZE(chunk), 0);
    }
    ok = ok && split(p, "", 0, 1);
    Py_DECREF(seq);
    PyObject *lines = p->lines;
    p->lines = NULL;
    p->pending.len = 0;
    p->skip_lf = 0;
    if (!ok) {
        Py_XDECREF(lines);
        return PyErr_Occurred() ? NULL : PyErr_NoMemory();
    }
    return lines;
}

/* flush(timeout_ms) -> records not yet acknowledged. */
static PyObject *producer_flush(Producer *p, PyObject *args) {
    int timeout_ms, left = 0;
    if (!PyArg_ParseTuple(args, "i", &timeout_ms))
        return NULL;
    if (p->rk) {
        Py_BEGIN_ALLOW_THREADS
        rk.flush(p->rk, timeout_ms);
        left = rk.outq_len(p->rk);
        Py_END_ALLOW_THREADS
    }
    return PyLong_FromLong(left);
}

/* metadata(timeout_ms): None once the broker answered for the topic, else the reason it did not. */
static PyObject *producer_metadata(Producer *p, PyObject *args) {
    int timeout_ms, err;
    const rk_metadata *md = NULL;
    if (!PyArg_ParseTuple(args, "i", &timeout_ms))
        return NULL;
    if (!p->rk) {
        PyErr_SetString(PyExc_RuntimeError, "the producer is closed");
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    err = rk.metadata(p->rk, 0, p->rkt, &md, timeout_ms);
    if (md)
        rk.metadata_destroy(md);
    Py_END_ALLOW_THREADS
    if (err == ERR_NO_ERROR)
        Py_RETURN_NONE;
    return PyUnicode_FromFormat("Failed to get metadata: %s", rk.err2str(err));
}

/* take_failures() -> (failed in all, [(partition, reason, value preview or None)]) since the last call. */
static PyObject *producer_take_failures(Producer *p, PyObject *unused) {
    PyObject *list = PyList_New(p->nfailures);
    if (!list)
        return NULL;
    for (int i = 0; i < p->nfailures; i++) {
        Failure *f = &p->failures[i];
        PyObject *preview = f->preview_len < 0 ? Py_NewRef(Py_None)
                                               : PyBytes_FromStringAndSize(f->preview, f->preview_len);
        PyObject *item = preview ? Py_BuildValue("(isN)", (int)f->partition, f->reason, preview) : NULL;
        if (!item) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    p->nfailures = 0;
    return Py_BuildValue("(LN)", p->failed, list);
}

static PyObject *producer_close(Producer *p, PyObject *unused) {
    producer_shut(p);
    Py_RETURN_NONE;
}

static PyMethodDef producer_methods[] = {
    {"send", (PyCFunction)producer_send, METH_VARARGS,
     "send(chunk, final=False) -> records so far: every line the chunk finishes becomes a record."},
    {"split_lines", (PyCFunction)producer_split_lines, METH_O, "split_lines(chunks) -> the lines send() makes."},
    {"flush", (PyCFunction)producer_flush, METH_VARARGS, "flush(timeout_ms) -> records not yet acknowledged."},
    {"metadata", (PyCFunction)producer_metadata, METH_VARARGS,
     "metadata(timeout_ms) -> None when the broker answered, else why not."},
    {"take_failures", (PyCFunction)producer_take_failures, METH_NOARGS,
     "take_failures() -> (failed in all, [(partition, reason, value preview)]) since the last call."},
    {"close", (PyCFunction)producer_close, METH_NOARGS, "Destroy the producer (idempotent; flush first)."},
    {NULL},
};

static PyTypeObject ProducerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "kcli.console._native.Producer",
    .tp_basicsize = sizeof(Producer),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A librdkafka producer of one topic that turns input lines into records in C.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)producer_init,
    .tp_dealloc = (destructor)producer_dealloc,
    .tp_methods = producer_methods,
};

/* ---- the module ------------------------------------------------------------------------------------- */

static PyMethodDef module_methods[] = {
    {"load", load, METH_VARARGS, "load(path) -> librdkafka's version number: open the library at `path`."},
    {NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "kcli.console._native",
    "The console consumer's and producer's per-record loops in C (see kcli.console.native).", -1, module_methods,
};

PyMODINIT_FUNC PyInit__native(void) {
    if (PyType_Ready(&ConsumerType) < 0 || PyType_Ready(&ProducerType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    NativeError = PyErr_NewException("kcli.console._native.NativeError", PyExc_Exception, NULL);
    if (!NativeError || PyModule_AddObjectRef(m, "NativeError", NativeError) < 0 ||
        PyModule_AddObjectRef(m, "Consumer", (PyObject *)&ConsumerType) < 0 ||
        PyModule_AddObjectRef(m, "Producer", (PyObject *)&ProducerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
