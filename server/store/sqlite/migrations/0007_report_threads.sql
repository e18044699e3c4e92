-- Reports (get_report) read the threads started in a range of days.
CREATE INDEX threads_by_created ON threads (created_at);
