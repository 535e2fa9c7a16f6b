/* The C producer: splits input chunks into lines as Java's readLine does and hands each to librdkafka; its
   delivery callback counts the failures and keeps the first few with their reasons. */
#include <stdio.h>

#include "native.h"

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

PyTypeObject ProducerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "kcli.native._ext.Producer",
    .tp_basicsize = sizeof(Producer),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A librdkafka producer of one topic that turns input lines into records in C.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)producer_init,
    .tp_dealloc = (destructor)producer_dealloc,
    .tp_methods = producer_methods,
};
