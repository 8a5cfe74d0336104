-- One run into meta.runs; input_files, table_counts and amendment arrive as JSON text.
INSERT INTO wh.meta.runs (run_id, command, month, month_path, as_of, started_at, ended_at, status, exit_code,
                          input_files, table_counts, error, report_path, pipeline_fingerprint, contract_version, rebuilt,
                          run_by, amendment)
VALUES ($run_id, $command, $month, $month_path, $as_of::DATE, $started_at::TIMESTAMPTZ, $ended_at::TIMESTAMPTZ,
        $status, $exit_code, $input_files::JSON, $table_counts::JSON, $error, $report_path, $pipeline_fingerprint, $contract_version, $rebuilt,
        $run_by, $amendment::JSON);
