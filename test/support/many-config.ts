// A configuration with many of what the runbook documents are rendered from: 10 approvers (aws:approve's most), 6 of them
// roles, whose names go into every approval step and each requester check's choices; a long instance-class ladder (its
// upgrade pairs are ScaleUpDatabase's choices); Lambda's whole memory range in 64 MB steps (RaiseLambdaMemory's allowed
// values). The largest documents the infra tests render (document-size, decision 347; botocore-requests, decision 367).
export const MANY_CONFIG = {
  environments: {
    production: {
      runbookApprovers: {
        principals: [
          ...Array.from({ length: 6 }, (_, i) => `arn:aws:iam::123456789012:role/notification-service/on-call/NotificationServiceRunbookApprover${i}`),
          ...Array.from({ length: 4 }, (_, i) => `user/notification-service-database-administrator-${i}`),
        ],
        minRequiredApprovals: 2,
      },
      scaleUpDatabase: { ladder: ['db.r6g.large', 'db.r6g.xlarge', 'db.r6g.2xlarge', 'db.r6g.4xlarge', 'db.r6g.8xlarge', 'db.r6g.12xlarge', 'db.r6g.16xlarge'] },
      raiseLambdaMemory: { stepFactor: 1.5, roundUpToMb: 64, maxMemoryMb: 10240, minMemoryMb: 512 },
    },
  },
};
