/* The parts of librdkafka's public C API used by kcli.native._ext, declared by hand (confluent-kafka's wheel
   ships no rdkafka.h), the table of its functions that load() fills, and an output buffer. */
#ifndef KCLI_NATIVE_H
#define KCLI_NATIVE_H
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
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

struct rk_api {
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
    const char *(*err2name)(int err);
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
};

extern struct rk_api rk;

extern PyObject *NativeError;  /* librdkafka refused something; the message is its own text */
extern PyTypeObject ConsumerType, ProducerType;

PyObject *load(PyObject *self, PyObject *args);
int loaded(void);
void *new_client(int type, PyObject *settings, void *opaque, dr_cb_t dr_cb);
PyObject *topic_names(PyObject *self, PyObject *args);

/* ---- an output buffer -------------------------------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len, cap;
} Buffer;

static inline int grow(Buffer *b, size_t more) {
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

#endif
