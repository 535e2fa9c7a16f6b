/*
 * kcli.native._ext: kcli's C paths — the console consumer's and producer's per-record loops, and the topic
 * listing of `kcli topics --list`.
 *
 * Python builds one Python object per record when it goes through confluent-kafka; these loops do not. The
 * consumer drains a batch from librdkafka and lays every record out into one output buffer following a small
 * program (a list of ops compiled by kcli.console.formatters); the producer splits input chunks into lines the
 * way Java's readLine does and hands each to librdkafka, counting failed deliveries in its delivery callback.
 *
 * librdkafka is the one confluent-kafka's wheel ships: kcli.native finds the file and load() opens it
 * with dlopen, so this module builds with nothing but a C compiler and Python's headers. The wheel ships no
 * rdkafka.h, so the few types and functions of librdkafka's public, stable C API used here are declared in native.h.
 */
#include "native.h"

/* ---- the module ------------------------------------------------------------------------------------- */

static PyMethodDef module_methods[] = {
    {"load", load, METH_VARARGS, "load(path) -> librdkafka's version number: open the library at `path`."},
    {"topic_names", topic_names, METH_VARARGS,
     "topic_names(settings, timeout_ms) -> (names, None, None) or ([], error name, error text)"},
    {NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "kcli.native._ext",
    "The console consumer's and producer's per-record loops in C (see kcli.native).", -1, module_methods,
};

PyMODINIT_FUNC PyInit__ext(void) {
    if (PyType_Ready(&ConsumerType) < 0 || PyType_Ready(&ProducerType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    NativeError = PyErr_NewException("kcli.native._ext.NativeError", PyExc_Exception, NULL);
    if (!NativeError || PyModule_AddObjectRef(m, "NativeError", NativeError) < 0 ||
        PyModule_AddObjectRef(m, "Consumer", (PyObject *)&ConsumerType) < 0 ||
        PyModule_AddObjectRef(m, "Producer", (PyObject *)&ProducerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
