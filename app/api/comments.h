/* comments.h — the handlers of app/api/comments.c (issue 13). */
#ifndef IG_API_COMMENTS_H
#define IG_API_COMMENTS_H

#include "app/fcgi/http.h"

#endif
