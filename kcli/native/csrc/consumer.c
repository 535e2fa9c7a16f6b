/* The C consumer: drains a batch from librdkafka, lays every record out following a program of ops compiled
   by kcli.console.formatters, watches each partition's stop, writes the batch to stdout in one go. */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "native.h"

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

PyTypeObject ConsumerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "kcli.native._ext.Consumer",
    .tp_basicsize = sizeof(Consumer),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A librdkafka consumer of one topic's assigned partitions that lays records out in C.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)consumer_init,
    .tp_dealloc = (destructor)consumer_dealloc,
    .tp_methods = consumer_methods,
};
