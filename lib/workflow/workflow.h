/*
 * workflow.h — workflows (API.md "Workflows", issue 14): a user's named
 * list of steps (the workflows table, migration 024), and how a run's item
 * moves from one step to the next in the runner.
 *
 * A run is a batch (lib/jobs/batch.h) whose items are generation jobs; an
 * item's job request carries a "workflow" member {next: [job requests of
 * the following steps, in order], step, branch}. When a job of such an
 * item succeeds, the runner calls ig_workflow_advance before recording
 * it: the first of next becomes one job per image this job made (the
 * fan-out: generate with image_count > 1, variations with count > 1), each
 * of the same item, its parent this job (ig_batch_item_next), its source
 * that image, its own "workflow" the rest of next, its step index in the
 * workflow and its branch: this job's branch and that image's index. An
 * item is thus a tree of jobs whose leaves are its chains, one per final
 * image; the batch's status, events, cancel, retry and ZIP see the item
 * as all its chains (batch_items, migration 026): it ends when every
 * chain has ended, succeeded only when all did.
 */
#ifndef IG_WORKFLOW_WORKFLOW_H
#define IG_WORKFLOW_WORKFLOW_H

#include <json-c/json.h>

#include "lib/core/error.h"
#include "lib/db/page.h"
#include "lib/jobs/queue.h"

/* Most steps in a workflow. */
#define IG_WORKFLOW_MAX_STEPS 10
/* Most images one item of a run may make, over all its steps: each step
 * makes (the images of the step before) × (its own count: generate's
 * image_count, variations' count, 1 for the others), add_to_project none.
 * A saved workflow past it is a 400 naming the step's field
 * (app/api/workflow.c); the runner never fans out past a step's count. */
#define IG_WORKFLOW_MAX_IMAGES 100
/* The scope of the workflow list's cursors (lib/db/page.h). */
#define IG_WORKFLOW_PAGE_SCOPE "workflows"

/* A new workflow of user_id: *out gets {id, name, steps, created_at,
 * updated_at}. 0 or -1 with err. */
int ig_workflow_create(const char *user_id, const char *name, json_object *steps, json_object **out, ig_err *err);

/* Workflow id (a UUID: the caller checks) when it is user_id's: 1 with
 * *out as above, 0 when not (another user's, none), -1 with err. The same
 * for the functions below. */
int ig_workflow_get(const char *id, const char *user_id, json_object **out, ig_err *err);

/* Change the name and/or steps (NULL: keep) of user_id's workflow id: 1
 * with *out the changed workflow, 0 when it is not theirs, -1 with err. */
int ig_workflow_update(const char *id, const char *user_id, const char *name, json_object *steps,
    json_object **out, ig_err *err);

/* Delete user_id's workflow id: 1, 0 when it is not theirs, -1 with err. */
int ig_workflow_delete(const char *id, const char *user_id, ig_err *err);

/* A page of user_id's workflows, newest first; *next_cursor as
 * ig_batch_list's. NULL with err. */
json_object *ig_workflow_list(const char *user_id, const ig_page *pg, char **next_cursor, ig_err *err);

/* The runner, when job succeeded and before it records that: queue the
 * next step of its item for each image job made (at most its request's
 * count), if its request has one, after any add_to_project steps put them
 * in their project. *more gets how many jobs were queued. 0, or -1 with
 * err (the job has no image to pass on, a project refused them, or the
 * queue failed): that chain fails, and with it the item. */
int ig_workflow_advance(const ig_job *job, int *more, ig_err *err);

#endif
