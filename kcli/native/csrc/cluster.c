/* What a short command asks the cluster: the names of its topics, from one metadata request. */
#include "native.h"

/* topic_names(settings, timeout_ms) -> (names, None, None), or ([], error name, error text) when the request
   failed (librdkafka's name such as "_TRANSPORT", and "Failed to get metadata: <its words>"). */
PyObject *topic_names(PyObject *self, PyObject *args) {
    PyObject *settings;
    int timeout_ms, err;
    const rk_metadata *md = NULL;
    if (!loaded() || !PyArg_ParseTuple(args, "Oi", &settings, &timeout_ms))
        return NULL;
    void *handle = new_client(TYPE_PRODUCER, settings, NULL, NULL);
    if (!handle)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    err = rk.metadata(handle, 1, NULL, &md, timeout_ms);
    Py_END_ALLOW_THREADS
    PyObject *names = PyList_New(0);
    for (int t = 0; names && md && t < md->topic_cnt; t++) {
        PyObject *name = PyUnicode_DecodeUTF8(md->topics[t].topic, (Py_ssize_t)strlen(md->topics[t].topic),
                                              "replace");
        if (!name || PyList_Append(names, name) < 0)
            Py_CLEAR(names);
        Py_XDECREF(name);
    }
    Py_BEGIN_ALLOW_THREADS
    if (md)
        rk.metadata_destroy(md);
    rk.destroy(handle);
    Py_END_ALLOW_THREADS
    if (!names)
        return NULL;
    if (err != ERR_NO_ERROR)
        return Py_BuildValue("(NsN)", names, rk.err2name(err),
                             PyUnicode_FromFormat("Failed to get metadata: %s", rk.err2str(err)));
    return Py_BuildValue("(NOO)", names, Py_None, Py_None);
}
