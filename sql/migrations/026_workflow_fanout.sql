-- 026_workflow_fanout.sql — a workflow step that makes several images
-- (generate with image_count > 1, variations with count > 1) hands every
-- one of them to the next step (issue 14): a step's job has one child per
-- image it made, each child's source that image (lib/workflow/workflow.c).

-- Several children per step now; still at most one per source image, so a
-- step queued twice for one image is refused by the database.
DROP INDEX jobs_parent_one_idx;
CREATE UNIQUE INDEX jobs_parent_source_idx ON jobs (parent_job_id, (request #>> '{creative,image_id}'))
    WHERE parent_job_id IS NOT NULL;

-- A batch's jobs by item, whatever their parents: 024 made the one index
-- on (batch_id, item_index) partial on parent_job_id IS NULL, which no
-- statement reading a batch's jobs can use.
CREATE INDEX jobs_batch_idx ON jobs (batch_id, item_index) WHERE batch_id IS NOT NULL;

-- A batch item is every job of its (batch_id, item_index): for a workflow
-- run a tree of steps whose leaves (batch_item_jobs, migration 024) are its
-- chains, one per final image. batch_items is one row per item, derived
-- from them, read by the batch's status, items, events, webhooks and
-- analytics:
--   status: queued while nothing of it has started; running while any of
--   its jobs is queued or running; then failed when a chain failed,
--   canceled when one was canceled, else succeeded (only when all did);
--   started_at the first step's start, finished_at the last end (NULL
--   while it runs); attempts the most any job of it took; prompt the first
--   step's; error_* the first failed (else canceled) chain's, in branch
--   order, with the workflow step it failed at (NULL outside workflows)
--   and its branch (the indexes of the images it carried from the first
--   step's on, dotted: "1.2"; request.workflow.step and .branch); job_id the first step's;
--   chains and chains_done (succeeded) count its leaves.
CREATE VIEW batch_items AS
    SELECT t.batch_id, t.item_index,
        CASE WHEN bool_or(t.status IN ('queued', 'running')) THEN
                CASE WHEN bool_or(t.status <> 'queued') THEN 'running'
                ELSE 'queued' END
            WHEN bool_or(t.leaf AND t.status = 'failed') THEN 'failed'
            WHEN bool_or(t.leaf AND t.status = 'canceled') THEN 'canceled'
            ELSE 'succeeded' END AS status,
        min(t.started_at) AS started_at,
        CASE WHEN NOT bool_or(t.status IN ('queued', 'running')) THEN max(t.finished_at) END AS finished_at,
        max(t.attempts) AS attempts,
        max(t.request ->> 'prompt') FILTER (WHERE t.parent_job_id IS NULL) AS prompt,
        (array_agg(t.error_code ORDER BY t.status = 'failed' DESC, t.branch)
            FILTER (WHERE t.leaf AND t.status IN ('failed', 'canceled')))[1] AS error_code,
        (array_agg(t.error_message ORDER BY t.status = 'failed' DESC, t.branch)
            FILTER (WHERE t.leaf AND t.status IN ('failed', 'canceled')))[1] AS error_message,
        (array_agg(t.step ORDER BY t.status = 'failed' DESC, t.branch)
            FILTER (WHERE t.leaf AND t.status IN ('failed', 'canceled')))[1] AS error_step,
        (array_agg(array_to_string(ARRAY(SELECT jsonb_array_elements_text(t.branch)), '.')
            ORDER BY t.status = 'failed' DESC, t.branch)
            FILTER (WHERE t.leaf AND t.status IN ('failed', 'canceled')))[1] AS error_branch,
        (array_agg(t.id) FILTER (WHERE t.parent_job_id IS NULL))[1] AS job_id,
        count(*) FILTER (WHERE t.leaf) AS chains,
        count(*) FILTER (WHERE t.leaf AND t.status = 'succeeded') AS chains_done
    FROM (SELECT j.id, j.batch_id, j.item_index, j.status, j.parent_job_id, j.started_at, j.finished_at,
            j.attempts, j.request, j.error_code, j.error_message,
            coalesce(j.request #> '{workflow,branch}', '[]'::jsonb) AS branch,
            CASE WHEN j.request ? 'workflow' THEN coalesce((j.request #>> '{workflow,step}')::int, 0) END AS step,
            ch.id IS NULL AS leaf
        -- A join, not a NOT EXISTS in the select list: the planner copied
        -- that into every aggregate that reads leaf (one subplan each).
        FROM jobs j LEFT JOIN LATERAL (SELECT c.id FROM jobs c WHERE c.parent_job_id = j.id LIMIT 1) ch ON true
        WHERE j.batch_id IS NOT NULL) t
    GROUP BY t.batch_id, t.item_index;
