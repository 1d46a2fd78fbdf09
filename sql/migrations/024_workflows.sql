-- 024_workflows.sql — workflows (API.md "Workflows", issue 14): a user's
-- named list of steps, and the chain of jobs one run's item goes through.

CREATE TABLE workflows (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       text NOT NULL,
    -- [{op, ...the parameters of its route}], validated by app/api/workflow.c.
    steps      jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workflows_user_idx ON workflows (user_id, created_at DESC, id DESC);

-- A step of a workflow run is a job whose parent is the previous step's
-- job, in the same batch and item. An item is its chain's last job (the
-- one no job names as parent): batch_item_jobs, which the batch's status,
-- items, events and ZIP read. A batch without workflow has no parents, so
-- each of its jobs is its item as before.
ALTER TABLE jobs ADD COLUMN parent_job_id uuid REFERENCES jobs (id) ON DELETE SET NULL;
CREATE INDEX jobs_parent_idx ON jobs (parent_job_id) WHERE parent_job_id IS NOT NULL;
DROP INDEX jobs_batch_item_idx;
CREATE UNIQUE INDEX jobs_batch_item_idx ON jobs (batch_id, item_index)
    WHERE batch_id IS NOT NULL AND parent_job_id IS NULL;
-- One child per step.
CREATE UNIQUE INDEX jobs_parent_one_idx ON jobs (parent_job_id) WHERE parent_job_id IS NOT NULL;

CREATE VIEW batch_item_jobs AS
    SELECT j.* FROM jobs j
    WHERE j.batch_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM jobs c WHERE c.parent_job_id = j.id);
