// Typed wrappers over libcurl's variadic calls, which Swift cannot call directly.
#ifndef VIGIL_CCURL_SHIM_H
#define VIGIL_CCURL_SHIM_H

#include <curl/curl.h>

typedef size_t (*vigil_curl_data_callback)(char *, size_t, size_t, void *);

static inline CURLcode vigil_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode vigil_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode vigil_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode vigil_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode vigil_curl_setopt_callback(CURL *handle, CURLoption option, vigil_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

/// PEM bytes held in memory (a kubeconfig's *-data fields); libcurl copies them.
static inline CURLcode vigil_curl_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length) {
    struct curl_blob blob = {(void *)data, length, CURL_BLOB_COPY};
    return curl_easy_setopt(handle, option, &blob);
}

static inline CURLcode vigil_curl_getinfo_long(CURL *handle, CURLINFO info, long *out) {
    return curl_easy_getinfo(handle, info, out);
}

static inline CURLcode vigil_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *out) {
    return curl_easy_getinfo(handle, info, out);
}

static inline CURLcode vigil_curl_getinfo_pointer(CURL *handle, CURLINFO info, void **out) {
    return curl_easy_getinfo(handle, info, out);
}

#endif
