#define _GNU_SOURCE
#include "CDatagrams.h"
#include <errno.h>
#include <string.h>
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
