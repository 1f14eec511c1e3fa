/*
 * JNI shim between dev.kiln.inflate.IsalInflate and ISA-L's streaming inflate (igzip), linked in
 * statically. It decodes raw deflate only: the gzip framing (header, trailer, what may follow a
 * member) is parsed in Java, by the same code for this engine and for java.util.zip.Inflater,
 * so both engines accept and refuse the same streams. ISA-L computes the CRC-32 of the output
 * as it goes (crc_flag ISAL_GZIP_NO_HDR); Java compares it with the trailer.
 *
 * The decoder state lives in a direct ByteBuffer that Java allocates (stateSize bytes), so the
 * garbage collector owns it: no native allocation, nothing to free, no use after free.
 */
#include <jni.h>
#include <stdint.h>
#include <string.h>

#include "igzip_lib.h"

/* Return codes of inflate(); IsalInflate mirrors them. */
enum {
    KILN_PROGRESS = 0,   /* consumed and/or produced; the member goes on */
    KILN_FINISHED = 1,   /* the member's final block ended; result[] says what is left over */
    KILN_CORRUPT = -1,   /* invalid deflate data */
    KILN_INTERNAL = -2   /* arguments or decoder state out of bounds: a bug, never input */
};

/* result[] slots */
enum { R_CONSUMED, R_PRODUCED, R_CRC, R_SIZE, R_LEFTOVER_COUNT, R_LEFTOVER_BYTES, R_SLOTS };

static struct inflate_state *state_of(JNIEnv *env, jobject buffer) {
    if (buffer == NULL || (*env)->GetDirectBufferCapacity(env, buffer) < (jlong) sizeof(struct inflate_state)) {
        return NULL;
    }
    return (struct inflate_state *) (*env)->GetDirectBufferAddress(env, buffer);
}

static int in_bounds(JNIEnv *env, jbyteArray array, jint off, jint len) {
    if (array == NULL || off < 0 || len < 0) {
        return 0;
    }
    jsize size = (*env)->GetArrayLength(env, array);
    return off <= size && len <= size - off;
}

JNIEXPORT jint JNICALL Java_dev_kiln_inflate_IsalInflate_stateSize(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    return (jint) sizeof(struct inflate_state);
}

/* Starts a new member: raw deflate, CRC-32 of the output kept in state->crc. */
JNIEXPORT jboolean JNICALL Java_dev_kiln_inflate_IsalInflate_reset(JNIEnv *env, jclass cls, jobject buffer) {
    (void) cls;
    struct inflate_state *s = state_of(env, buffer);
    if (s == NULL) {
        return JNI_FALSE;
    }
    isal_inflate_init(s);
    s->crc_flag = ISAL_GZIP_NO_HDR;
    return JNI_TRUE;
}

/*
 * Decodes from in[inOff, inOff+inLen) into out[outOff, outOff+outLen). ISA-L returns when the
 * input is used up, the output is full, the member's last block ended, or the data is invalid.
 * At the end of a member, up to 8 bytes read ahead past the deflate data are still in ISA-L's
 * bit buffer; they are handed back in result[] (they may have come from an earlier call's input),
 * because they are the start of the gzip trailer.
 */
JNIEXPORT jint JNICALL Java_dev_kiln_inflate_IsalInflate_inflate(JNIEnv *env, jclass cls, jobject buffer,
        jbyteArray in, jint inOff, jint inLen, jbyteArray out, jint outOff, jint outLen, jlongArray result) {
    (void) cls;
    struct inflate_state *s = state_of(env, buffer);
    if (s == NULL || !in_bounds(env, in, inOff, inLen) || !in_bounds(env, out, outOff, outLen)
            || result == NULL || (*env)->GetArrayLength(env, result) < R_SLOTS
            || s->block_state == ISAL_BLOCK_FINISH) {
        return KILN_INTERNAL;
    }
    jbyte *inBytes = (*env)->GetPrimitiveArrayCritical(env, in, NULL);
    if (inBytes == NULL) {
        return KILN_INTERNAL;
    }
    jbyte *outBytes = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    if (outBytes == NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, in, inBytes, JNI_ABORT);
        return KILN_INTERNAL;
    }
    s->next_in = (uint8_t *) inBytes + inOff;
    s->avail_in = (uint32_t) inLen;
    s->next_out = (uint8_t *) outBytes + outOff;
    s->avail_out = (uint32_t) outLen;
    int ret = isal_inflate(s);
    jlong slots[R_SLOTS] = {0};
    slots[R_CONSUMED] = inLen - (jint) s->avail_in;
    slots[R_PRODUCED] = outLen - (jint) s->avail_out;
    /* The array may move once released: never leave pointers into it behind. */
    s->next_in = NULL;
    s->avail_in = 0;
    s->next_out = NULL;
    s->avail_out = 0;
    (*env)->ReleasePrimitiveArrayCritical(env, out, outBytes, 0);
    (*env)->ReleasePrimitiveArrayCritical(env, in, inBytes, JNI_ABORT);

    jint status;
    if (ret != ISAL_DECOMP_OK) {
        status = KILN_CORRUPT;
    } else if (s->block_state != ISAL_BLOCK_FINISH) {
        status = KILN_PROGRESS;
    } else if (s->read_in_length < 0 || s->read_in_length > 64 || s->tmp_in_size != 0) {
        status = KILN_INTERNAL;
    } else {
        /* The bits left of the last deflate byte are padding; whole bytes after it are not ours. */
        int pad = s->read_in_length % 8;
        slots[R_LEFTOVER_COUNT] = s->read_in_length / 8;
        slots[R_LEFTOVER_BYTES] = pad == 0 && s->read_in_length == 64 ? (jlong) s->read_in
                : (jlong) ((s->read_in >> pad) & ((UINT64_C(1) << (s->read_in_length - pad)) - 1));
        slots[R_CRC] = s->crc;
        slots[R_SIZE] = s->total_out;
        status = KILN_FINISHED;
    }
    (*env)->SetLongArrayRegion(env, result, 0, R_SLOTS, slots);
    return status;
}
