#!/bin/bash
# backup-volumes.sh — the reference document's Question 2, Method 4 ("Automated Backup
# Script"), for ballast: every volume to a dated .tar.gz through a temporary busybox
# container (read-only mount), then backups older than the retention removed. Cron it:
#   0 2 * * * BACKUP_DIR=/backups /path/to/backup-volumes.sh
#
# Environment: BACKUP_DIR (default /backups), RETENTION_DAYS (default 7), CLI (default
# ballast; "docker" works the same against DOCKER_HOST), IMAGE (default busybox).

BACKUP_DIR="${BACKUP_DIR:-/backups}"
DATE=$(date +%Y%m%d-%H%M%S)
RETENTION_DAYS="${RETENTION_DAYS:-7}"
CLI="${CLI:-ballast}"
IMAGE="${IMAGE:-busybox}"

# Create backup directory
mkdir -p "$BACKUP_DIR"

# Get all volumes
VOLUMES=$($CLI volume ls -q)

failed=0
for volume in $VOLUMES; do
    echo "Backing up volume: $volume"

    # Create backup
    $CLI run --rm \
        -v "$volume":/data:ro \
        -v "$BACKUP_DIR":/backup \
        "$IMAGE" \
        tar czf "/backup/${volume}-${DATE}.tar.gz" -C /data .

    if [ $? -eq 0 ]; then
        echo "✓ Backup successful: ${volume}-${DATE}.tar.gz"
    else
        echo "✗ Backup failed: $volume"
        failed=1
    fi
done

# Remove old backups
find "$BACKUP_DIR" -name "*.tar.gz" -mtime +"$RETENTION_DAYS" -print -delete | sed 's/^/Removed old backup: /'

echo "Backup complete. Location: $BACKUP_DIR"
exit "$failed"
