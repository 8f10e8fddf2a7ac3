#define _GNU_SOURCE
#include "CDatagrams.h"
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>

int stird_receive_datagrams(int fd, struct stird_datagram *slots, unsigned int count, int wait) {
    enum { max_slots = 64 };
    if (count == 0 || count > max_slots) {
        errno = EINVAL;
        return -1;
    }
    struct mmsghdr headers[max_slots];
    struct iovec vectors[max_slots];
    memset(headers, 0, sizeof(struct mmsghdr) * count);
    for (unsigned int i = 0; i < count; i++) {
        vectors[i].iov_base = slots[i].buffer;
        vectors[i].iov_len = slots[i].capacity;
        headers[i].msg_hdr.msg_iov = &vectors[i];
        headers[i].msg_hdr.msg_iovlen = 1;
        headers[i].msg_hdr.msg_name = &slots[i].from;
        headers[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
    }
    int received;
    do {
        received = recvmmsg(fd, headers, count, wait ? MSG_WAITFORONE : MSG_DONTWAIT, NULL);
    } while (received < 0 && errno == EINTR);
    for (int i = 0; i < received; i++) {
        slots[i].length = headers[i].msg_len;
        slots[i].truncated = (headers[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    }
    return received;
}

int stird_poll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int stird_poll_add(int epfd, int fd) {
    struct epoll_event e;
    memset(&e, 0, sizeof e);
    e.events = EPOLLIN;
    e.data.fd = fd;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e);
}

int stird_poll_remove(int epfd, int fd) {
    struct epoll_event e;
    memset(&e, 0, sizeof e);
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &e);
}

int stird_poll_wait(int epfd, int *fds, int max, int timeout_ms) {
    enum { max_events = 128 };
    struct epoll_event events[max_events];
    if (max <= 0 || max > max_events) {
        errno = EINVAL;
        return -1;
    }
    int n;
    do {
        n = epoll_wait(epfd, events, max, timeout_ms);
    } while (n < 0 && errno == EINTR);
    for (int i = 0; i < n; i++) fds[i] = events[i].data.fd;
    return n;
}
