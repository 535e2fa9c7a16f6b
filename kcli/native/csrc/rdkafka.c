/* Opening librdkafka: dlopen the file confluent-kafka's wheel ships and look its functions up by name. */
#include <dlfcn.h>

#include "native.h"

struct rk_api rk;
PyObject *NativeError;

#define LOOKUP(field, name)                                                                      \
    do {                                                                                         \
        *(void **)(&rk.field) = dlsym(lib, name);                                                \
        if (!rk.field) {                                                                         \
            PyErr_Format(PyExc_ImportError, "%s has no %s", path, name);                         \
            dlclose(lib);                                                                        \
            return NULL;                                                                         \
        }                                                                                        \
    } while (0)

PyObject *load(PyObject *self, PyObject *args) {
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
    LOOKUP(err2name, "rd_kafka_err2name");
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

int loaded(void) {
    if (!rk.lib) {
        PyErr_SetString(PyExc_RuntimeError, "librdkafka is not loaded (call load() first)");
        return 0;
    }
    return 1;
}

/* A handle from a list of (name, value) settings; NULL with NativeError set (librdkafka's words) if refused. */
void *new_client(int type, PyObject *settings, void *opaque, dr_cb_t dr_cb) {
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
